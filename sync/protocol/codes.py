"""The domain's code lists (DESIGN.md, "Codes"): stored as lowercase codes, shown in Chinese.

Each code set is an ordered mapping code -> Chinese label; the order is the order users see.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

CodeSet = Mapping[str, str]


def _codes(**labels: str) -> CodeSet:
    return MappingProxyType(dict(labels))


HOUSEHOLD_KINDS = _codes(resident="常住", rental="出租", vacant="空置", shop="商户")

TAGS = _codes(
    elderly_alone="独居老人",
    empty_nest="空巢老人",
    low_income="低保",
    disabled="残疾",
    veteran="退役军人",
    party_member="党员",
    key_attention="重点关注",
    left_behind_child="留守儿童",
    rental="出租",
    pregnant="孕产妇",
)

GENDERS = _codes(male="男", female="女")

RELATIONS = _codes(
    head="户主",
    spouse="配偶",
    child="子女",
    parent="父母",
    grandchild="孙子女",
    sibling="兄弟姐妹",
    tenant="租户",
    other="其他",
)

VISIT_OUTCOMES = _codes(met="见面", not_home="不在家", refused="拒访", phone="电话走访")

REVIEW_STATUSES = _codes(pending="待审核", approved="已通过", returned="已退回")

ISSUE_CATEGORIES = _codes(
    facilities="公用设施",
    roads="道路交通",
    environment="市容环境",
    greenery="园林绿化",
    housing="房屋土地",
    safety_hazard="安全隐患",
    flood="防汛",
    dispute="矛盾纠纷",
    public_order="治安",
    livelihood="民生服务",
    other="其他",
)

# Known subcategories (the list may grow: any lowercase code is accepted, these get labels).
ISSUE_SUBCATEGORIES: Mapping[str, CodeSet] = MappingProxyType(
    {
        "facilities": _codes(
            manhole_cover="井盖",
            street_light="路灯",
            water_supply="供水设施",
            drainage="排水设施",
            power="电力设施",
            gas="燃气设施",
            fitness_equipment="健身器材",
        ),
        "roads": _codes(road_damage="道路破损", parking="乱停车", traffic_sign="交通标志"),
        "environment": _codes(
            garbage="垃圾堆放",
            illegal_ad="小广告",
            street_vending="占道经营",
            sewage="污水外溢",
            noise="噪声扰民",
        ),
        "greenery": _codes(tree_damage="树木倒伏", green_damage="绿地损坏", overgrowth="树枝遮挡"),
        "housing": _codes(illegal_building="违章搭建", dangerous_house="危房", leakage="房屋渗漏"),
        "safety_hazard": _codes(
            fire_hazard="消防隐患",
            ebike_charging="电动车违规充电",
            blocked_exit="消防通道堵塞",
            falling_object="高空坠物",
        ),
        "flood": _codes(sandbags="防汛沙袋", waterlogging="积水", drain_blocked="雨水口堵塞"),
        "dispute": _codes(
            neighbour="邻里纠纷", family="家庭纠纷", property_mgmt="物业纠纷", wages="欠薪"
        ),
        "public_order": _codes(suspicious="可疑人员", theft="盗窃", fraud="电信诈骗"),
        "livelihood": _codes(
            subsidy="补贴申领",
            elderly_care="养老服务",
            medical="就医困难",
            employment="就业帮扶",
            certificate="证明开具",
        ),
        "other": _codes(),
    }
)

ISSUE_PRIORITIES = _codes(normal="一般", urgent="紧急")

ISSUE_STATUSES = _codes(
    open="待处理",
    in_progress="处理中",
    escalated="已上报",
    resolved="已解决",
    closed="已办结",
)

ROLES = _codes(worker="网格员", supervisor="网格长", admin="管理员")

# Extension "campaigns" (平急转换 sweeps and surveys).
CAMPAIGN_KINDS = _codes(emergency="应急排查", survey="调查走访")
CAMPAIGN_STATUSES = _codes(draft="草稿", active="进行中", closed="已结束")
# The outcomes a campaign offers when its author names none; ``form``: the questionnaire is
# asked for this outcome (a household not reached answers nothing).
DEFAULT_CAMPAIGN_OUTCOMES: tuple[dict[str, object], ...] = (
    {"code": "safe", "label": "安全", "form": True},
    {"code": "needs_help", "label": "需帮助", "form": True},
    {"code": "unreachable", "label": "未联系上", "form": False},
)

# Entities an attachment may belong to.
ATTACHMENT_OWNERS = _codes(issues="事项", visits="走访记录", households="住户", residents="居民")


def label(codes: CodeSet, code: str | None) -> str:
    """The Chinese label of a code; an unknown code is shown as itself."""
    if code is None:
        return ""
    return codes.get(code, code)
