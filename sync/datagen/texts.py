"""Short Chinese texts of a grid worker's ledger: visit notes, issue titles, comments."""

from __future__ import annotations

from .common import words

VISIT_MET = {
    None: (
        "入户走访，家庭情况无变化",
        "核实家庭人员信息，无变化",
        "宣传反电信诈骗知识，发放宣传资料",
        "宣传垃圾分类知识",
        "了解住户诉求，无特殊情况",
        "宣传城乡居民医保缴费政策",
        "提醒住户注意用电用气安全",
        "住户反映小区环境较好，无诉求",
        "宣传文明城市创建，征求意见建议",
        "登记家庭人员变动情况",
    ),
    "elderly": (
        "老人身体状况良好，已提醒注意防滑",
        "老人血压偏高，已提醒按时服药",
        "了解老人生活情况，家中有存粮，精神状态不错",
        "协助老人预约社区医院免费体检",
        "老人独自在家，已检查燃气阀门，提醒用气安全",
        "老人反映腿脚不便，已告知居家养老上门服务",
        "与老人聊天了解近况，子女每周回来看望",
        "提醒老人警惕保健品推销骗局",
    ),
    "left_behind_child": (
        "了解孩子学习情况，爷爷奶奶照顾较好",
        "孩子父母在外务工，已提醒注意假期安全",
        "宣传防溺水安全知识，孩子表示记住了",
    ),
    "disabled": (
        "了解残疾人两项补贴发放情况，已按时到账",
        "协助办理残疾证年审",
        "住户身体情况稳定，家属照顾到位",
    ),
    "low_income": (
        "核实低保家庭收入情况，无变化",
        "了解家庭生活困难情况，已告知临时救助政策",
        "低保金按月发放，住户无其他诉求",
    ),
    "key_attention": (
        "重点人员情况稳定，按时报到",
        "了解近期表现，情绪稳定，家属配合",
        "与监护人沟通，按时服药，无异常",
    ),
    "pregnant": ("了解孕妇产检情况，宣传母婴保健政策", "告知新生儿医保及出生登记办理流程"),
    "rental": (
        "核实租户信息，已登记居住证信息",
        "提醒租户电动车不要在楼道充电",
        "租户人员无变化，已提醒房东签订租赁合同",
    ),
    "shop": (
        "检查商户消防器材，灭火器在有效期内",
        "提醒商户落实门前三包责任",
        "宣传食品安全知识，检查营业执照",
        "提醒商户店内不得住人，注意用电安全",
    ),
}

SEASONAL = {
    (12, 1, 2): (
        "天气寒冷，提醒注意取暖用电安全",
        "提醒使用燃气热水器注意通风",
        "春节前走访，宣传烟花爆竹禁放规定",
    ),
    (3, 4, 5): ("宣传春季防火知识", "提醒清明节文明祭扫"),
    (6, 7, 8, 9): ("汛期将至，提醒注意防汛安全", "宣传防溺水知识", "高温天气，提醒老人注意防暑"),
    (10, 11): ("宣传秋冬季防火知识", "提醒及时缴纳城乡居民医保"),
}

VISIT_NOT_HOME = (
    "敲门无人应答，已留联系卡",
    "家中无人，邻居称白天上班",
    "无人在家，下次再访",
    "家中无人，已在门上张贴走访告知单",
)
VISIT_REFUSED = (
    "住户不愿开门，隔门简单交流",
    "住户称工作忙，拒绝登记信息",
    "住户不配合，已报告网格长",
)
VISIT_PHONE = ("电话联系户主，家中一切正常", "电话回访，住户表示无诉求", "电话联系房主，房屋仍空置")
VISIT_FOLLOW_UP = (
    "老人反映楼道灯不亮，需联系物业维修",
    "住户反映楼上漏水，需协调邻里",
    "申请低保材料不全，需跟进补充",
    "住户反映家中下水道堵塞，需联系物业",
    "老人近期摔伤，需跟进照护情况",
    "住户反映电动车被盗，已建议报警，需跟进",
    "租户信息未登记完整，需再次上门",
)
REVIEW_RETURNED = (
    "走访记录过于简单，请补充走访内容",
    "未记录见到的人员，请补充",
    "请补充老人身体及生活情况",
    "走访时间与轨迹不符，请核实",
    "需跟进事项未写明处置方式，请补充",
)

# Issue titles by (category, subcategory). {estate}{b}{u}{room}: a flat of the grid,
# {street}{no}: a house on a road or lane, {road}/{road2}: roads of the grid.
ISSUE_TITLES = {
    ("facilities", "manhole_cover"): (
        "{b}号楼下污水井盖破损",
        "{street}{no}号门前井盖缺失",
        "{estate}{b}号楼东侧雨水井盖松动",
    ),
    ("facilities", "street_light"): (
        "{estate}{b}号楼前路灯不亮",
        "{road}与{road2}交叉口路灯夜间不亮",
    ),
    ("facilities", "water_supply"): ("{estate}{b}号楼自来水水压低", "{estate}{b}号楼供水管道漏水"),
    ("facilities", "drainage"): ("{estate}{b}号楼下水道堵塞反水", "{street}{no}号门前排水沟堵塞"),
    ("facilities", "power"): ("{estate}{b}号楼楼道电线老化裸露", "{street}{no}号附近电线杆倾斜"),
    ("facilities", "gas"): ("{estate}{b}号楼{u}楼道有燃气异味", "{estate}{b}号楼燃气管道外露锈蚀"),
    ("facilities", "fitness_equipment"): ("{estate}健身器材损坏", "{estate}儿童滑梯螺丝松动"),
    ("roads", "road_damage"): ("{street}{no}号门前路面塌陷", "{estate}{b}号楼前道路坑洼积水"),
    ("roads", "parking"): ("{estate}{b}号楼消防通道车辆乱停", "{street}{no}号门前机动车占用人行道"),
    ("roads", "traffic_sign"): ("{road}与{road2}路口交通标志被遮挡", "{estate}南门减速带损坏"),
    ("environment", "garbage"): (
        "{estate}{b}号楼下垃圾堆放未及时清运",
        "{street}{no}号旁建筑垃圾堆放",
        "{estate}垃圾分类亭满溢",
    ),
    ("environment", "illegal_ad"): ("{estate}{b}号楼楼道小广告较多", "{road}沿街墙面乱贴小广告"),
    ("environment", "street_vending"): ("{street}{no}号门前占道经营", "{road}早市流动摊贩占道"),
    ("environment", "sewage"): ("{b}号楼下污水外溢", "{street}{no}号商户污水直排路面"),
    ("environment", "noise"): ("{street}{no}号商户音响噪声扰民", "{estate}{b}号楼夜间装修噪声扰民"),
    ("greenery", "tree_damage"): ("{estate}{b}号楼旁大树倾斜有倒伏危险", "{road}行道树被风刮倒"),
    ("greenery", "green_damage"): ("{estate}绿地被毁种菜", "{estate}{b}号楼前绿化带被占用停车"),
    ("greenery", "overgrowth"): ("{estate}{b}号楼前树枝遮挡窗户采光", "{road}树枝遮挡路灯"),
    ("housing", "illegal_building"): ("{estate}{b}号楼一楼住户私搭乱建", "{street}{no}号违章加盖"),
    ("housing", "dangerous_house"): (
        "{street}{no}号老旧平房墙体开裂",
        "{estate}{b}号楼外墙瓷砖脱落",
    ),
    ("housing", "leakage"): ("{estate}{b}号楼{u}顶楼渗漏", "{estate}{b}号楼{room}屋顶漏雨"),
    ("safety_hazard", "fire_hazard"): (
        "{estate}{b}号楼楼道堆放杂物",
        "{street}{no}号商户灭火器过期",
    ),
    ("safety_hazard", "ebike_charging"): (
        "{estate}{b}号楼{u}电动车楼道充电",
        "{estate}{b}号楼飞线充电",
    ),
    ("safety_hazard", "blocked_exit"): ("{estate}消防通道被占用", "{street}{no}号商户堵塞安全出口"),
    ("safety_hazard", "falling_object"): (
        "{estate}{b}号楼空调外机支架锈蚀",
        "{estate}{b}号楼阳台花盆有坠落风险",
    ),
    ("flood", "sandbags"): ("{road}商户需要防汛沙袋", "{street}{no}号低洼住户需要防汛沙袋"),
    ("flood", "waterlogging"): ("{estate}{b}号楼前雨后积水严重", "{street}{no}号门前积水"),
    ("flood", "drain_blocked"): ("{road}雨水口堵塞", "{estate}{b}号楼旁雨水篦子被垃圾堵塞"),
    ("dispute", "neighbour"): ("{estate}{b}号楼上下邻居漏水纠纷", "{street}{no}号邻里通道纠纷"),
    ("dispute", "family"): ("{estate}{b}号楼家庭赡养纠纷", "{street}{no}号家庭财产纠纷"),
    ("dispute", "property_mgmt"): (
        "{estate}居民与物业停车费纠纷",
        "{estate}物业服务不到位居民不满",
    ),
    ("dispute", "wages"): ("{street}{no}号商户拖欠员工工资", "{estate}装修工人反映被拖欠工钱"),
    ("public_order", "suspicious"): ("{estate}{b}号楼发现可疑人员", "{road}夜间有可疑人员逗留"),
    ("public_order", "theft"): ("{estate}{b}号楼电动车被盗", "{estate}车棚电瓶被盗"),
    ("public_order", "fraud"): (
        "{estate}{b}号楼老人疑似遭遇电信诈骗",
        "{estate}居民接到冒充公检法诈骗电话",
    ),
    ("livelihood", "subsidy"): (
        "{estate}{b}号楼居民咨询高龄津贴申领",
        "{street}{no}号困难家庭申请临时救助",
    ),
    ("livelihood", "elderly_care"): (
        "{estate}{b}号楼独居老人申请助餐服务",
        "{estate}{b}号楼老人申请居家养老上门服务",
    ),
    ("livelihood", "medical"): (
        "{estate}{b}号楼老人行动不便需上门体检",
        "{street}{no}号慢性病老人取药困难",
    ),
    ("livelihood", "employment"): (
        "{estate}{b}号楼失业人员求职帮扶",
        "{street}{no}号残疾人就业咨询",
    ),
    ("livelihood", "certificate"): (
        "{estate}{b}号楼居民开具居住证明",
        "{street}{no}号租户办理居住证",
    ),
    ("other", None): (
        "居民建议{estate}增设休息座椅",
        "居民咨询{road}施工期限",
        "{estate}居民建议增设快递柜",
    ),
}

# Subcategories whose issue is usually raised by and about one household.
HOUSEHOLD_SUBCATEGORIES = frozenset(
    words(
        "leakage neighbour family subsidy elderly_care medical employment certificate fraud "
        "illegal_building dangerous_house ebike_charging"
    )
)

ISSUE_DETAILS = {
    "facilities": (
        "存在安全隐患，夜间行人容易发生意外，请尽快维修。",
        "影响居民正常生活，居民多次反映。",
    ),
    "roads": ("影响车辆和行人通行，请相关部门处理。", "雨天积水严重，老人出行不便。"),
    "environment": ("影响小区环境卫生，居民意见较大。", "气味较大，夏季蚊虫滋生。"),
    "greenery": ("存在安全隐患，请园林部门处理。", "影响居民采光和通行。"),
    "housing": ("存在安全隐患，需尽快处置。", "影响楼下住户正常生活。"),
    "safety_hazard": ("存在消防安全隐患，需立即整改。", "已现场劝导，需持续跟进。"),
    "flood": ("汛期临近，需提前做好防范。", "降雨后积水深约二十厘米，影响出行。"),
    "dispute": ("双方情绪较为激动，需社区介入调解。", "已初步了解情况，需进一步协调。"),
    "public_order": ("居民较为担心，请加强巡逻。", "已提醒居民注意防范，建议报警处理。"),
    "livelihood": ("家庭情况困难，需协助办理。", "老人行动不便，需上门服务。"),
    "other": ("居民提出意见建议，需答复。",),
}
REPORTERS = ("居民反映：", "网格员巡查发现：", "楼栋长反映：", "住户来电反映：")

UPDATE_COMMENTS = {
    ("open", "in_progress"): (
        "已到现场核实情况，正在协调处理",
        "已联系物业，安排维修人员上门查看",
        "已与当事人沟通，正在调解",
        "已联系相关单位，约定处理时间",
    ),
    ("open", "escalated"): (
        "超出社区处置权限，已上报街道网格化服务中心",
        "需职能部门处置，已上报街道",
    ),
    ("in_progress", "escalated"): (
        "物业无法解决，已上报街道城管中队",
        "经协调未果，已上报街道网格化服务中心",
    ),
    ("escalated", "in_progress"): (
        "街道已派单至责任单位，正在处置",
        "责任单位已受理，安排人员进场",
    ),
    ("resolved", "closed"): ("已回访居民，对处理结果满意，办结", "经复核处理到位，同意办结"),
    ("resolved", "open"): ("居民反映问题仍未解决，重新打开", "回访发现问题反复，重新处理"),
    ("closed", "open"): ("复查发现问题再次出现，重新打开",),
    None: (
        "已电话告知居民处理进度",
        "已拍照留存",
        "物业表示本周内处理",
        "已在网格群通知相关住户",
        "持续跟踪中",
        "已向网格长汇报",
    ),
}
RESOLUTIONS = {
    "facilities": ("已完成维修，现场恢复正常", "已更换新件，经查看使用正常"),
    "roads": ("路面已修补平整", "已清理占道车辆，设置提示牌"),
    "environment": ("已清理完毕，现场整洁", "已劝导整改，商户承诺不再发生"),
    "greenery": ("已修剪树枝，消除隐患", "绿地已恢复"),
    "housing": ("已督促整改完毕", "已维修，经查看不再渗漏"),
    "safety_hazard": ("隐患已整改到位", "已清理杂物，消防通道畅通"),
    "flood": ("防汛沙袋已发放到位", "雨水口已疏通，积水已排除"),
    "dispute": ("经调解双方达成一致", "已调解，双方签订调解协议"),
    "public_order": ("已移交派出所处理", "已加强巡逻，居民情绪平稳"),
    "livelihood": ("已协助办理完毕", "已对接服务机构，上门服务已落实"),
    "other": ("已答复居民",),
}

SHOP_KINDS = words(
    "超市 便利店 早餐店 理发店 五金店 水果店 药店 小吃店 烟酒店 快递驿站 干洗店 面馆 电动车维修 "
    "棋牌室 房产中介 手机店 服装店 烧烤店 饭店 粮油店 母婴店 茶叶店"
)
SHOP_WORDS = words("好又多 惠民 鑫源 顺发 兴隆 福满 家和 百姓 阳光 利民 老街 港城")

ABSENT_NOTES = {
    "student": ("在外地上大学", "在南京上大学", "在外地工作", "在苏州务工"),
    "working": ("在外地务工", "在南京工作", "在上海工作", "在苏州务工", "在外地做生意"),
    "old": ("常住子女家", "在外地随子女居住", "住院治疗"),
}
DISABILITY_NOTES = ("肢体残疾三级", "视力残疾二级", "听力残疾四级", "肢体残疾二级", "智力残疾三级")
KEY_NOTES = ("重点关注对象，需每周走访", "社区矫正人员", "精神障碍患者，监护人为其家属")
HEALTH_NOTES = ("患有高血压", "患有糖尿病", "行动不便", "患有慢性心脏病")
VACANT_NOTES = (
    "房屋空置，房主在外地居住",
    "房主在市区另有住房",
    "房屋待售，暂无人居住",
    "房主随子女居住",
)
ALONE_NOTES = ("子女在外地工作，每周电话联系", "子女在市区居住，每周回来看望", "无子女，由侄子照顾")
CITIES = ("上海", "南京", "苏州", "无锡", "北京", "杭州")
