<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>Banner</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>CampaignAdminPage</name>
    <message>
        <source>New campaign…</source>
        <translation>新建任务…</translation>
    </message>
    <message>
        <source>Publish</source>
        <translation>发布</translation>
    </message>
    <message>
        <source>Close the campaign</source>
        <translation>结束任务</translation>
    </message>
    <message>
        <source>Export the results…</source>
        <translation>导出结果…</translation>
    </message>
    <message>
        <source>Campaign</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>By grid (households)</source>
        <translation>按网格（户）</translation>
    </message>
    <message>
        <source>By worker (responses)</source>
        <translation>按网格员（填报次数）</translation>
    </message>
    <message>
        <source>Households, those needing help first</source>
        <translation>对象住户（需帮助的在前）</translation>
    </message>
    <message>
        <source>No campaign yet. Create one with 'New campaign…'.</source>
        <translation>还没有任务。点击“新建任务…”发起一个。</translation>
    </message>
    <message>
        <source>Deadline %1</source>
        <translation>截止 %1</translation>
    </message>
    <message>
        <source>%1 of %2 households answered</source>
        <translation>已反馈 %1 / %2 户</translation>
    </message>
    <message>
        <source>not yet sent to the server</source>
        <translation>尚未上传到服务器</translation>
    </message>
    <message>
        <source>Close “%1”? Workers can no longer answer it.</source>
        <translation>结束“%1”？结束后网格员不能再填报。</translation>
    </message>
    <message>
        <source>Export the results</source>
        <translation>导出结果</translation>
    </message>
    <message>
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message numerus="yes">
        <source>%n row(s) exported to %1</source>
        <translation>
            <numerusform>已导出 %n 行到 %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CampaignDialog</name>
    <message>
        <source>New campaign</source>
        <translation>新建任务</translation>
    </message>
    <message>
        <source>e.g. Safety check before the rainstorm</source>
        <translation>例如：暴雨前安全排查</translation>
    </message>
    <message>
        <source>Every household</source>
        <translation>全部住户</translation>
    </message>
    <message>
        <source>Households with a tag</source>
        <translation>按标签</translation>
    </message>
    <message>
        <source>A list from Excel</source>
        <translation>Excel 住户名单</translation>
    </message>
    <message>
        <source>Choose the list…</source>
        <translation>选择名单…</translation>
    </message>
    <message>
        <source>Choose the questionnaire (.xlsx)…</source>
        <translation>选择问卷（.xlsx）…</translation>
    </message>
    <message>
        <source>No questionnaire: outcomes only</source>
        <translation>无问卷：只记录结果</translation>
    </message>
    <message>
        <source>Publish at once</source>
        <translation>立即发布</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>任务名称</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>任务类型</translation>
    </message>
    <message>
        <source>Grids</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Households</source>
        <translation>对象住户</translation>
    </message>
    <message>
        <source>Questionnaire</source>
        <translation>问卷</translation>
    </message>
    <message>
        <source>Starts</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>截止时间</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>创建</translation>
    </message>
    <message>
        <source>Household list</source>
        <translation>住户名单</translation>
    </message>
    <message>
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message numerus="yes">
        <source>%n household(s) found</source>
        <translation>
            <numerusform>找到 %n 户</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n row(s) matched no household</source>
        <translation>
            <numerusform>，%n 行未匹配到住户</numerusform>
        </translation>
    </message>
    <message>
        <source>not an Excel file</source>
        <translation>不是 Excel 文件</translation>
    </message>
    <message>
        <source>This questionnaire cannot be used: %1</source>
        <translation>问卷无法使用：%1</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n question(s)</source>
        <translation>
            <numerusform>%1：共 %n 题</numerusform>
        </translation>
    </message>
    <message>
        <source>Choose a questionnaire that can be used, or none.</source>
        <translation>请选择一份可用的问卷，或不用问卷。</translation>
    </message>
    <message>
        <source>Choose at least one tag.</source>
        <translation>请至少选择一个标签。</translation>
    </message>
    <message>
        <source>Choose a household list with at least one household.</source>
        <translation>请选择至少包含一户的住户名单。</translation>
    </message>
    <message>
        <source>The deadline must come after the start.</source>
        <translation>截止时间应晚于开始时间。</translation>
    </message>
</context>
<context>
    <name>Campaigns</name>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Head of household</source>
        <translation>户主</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Answered at</source>
        <translation>填报时间</translation>
    </message>
    <message>
        <source>Campaign</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>截止时间</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>To do</source>
        <translation>待反馈</translation>
    </message>
</context>
<context>
    <name>CampaignsPage</name>
    <message>
        <source>Households (nearest deadline first)</source>
        <translation>对象住户（截止时间近的在前）</translation>
    </message>
    <message>
        <source>Save the answers (Ctrl+Enter)</source>
        <translation>保存（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>No campaign is active in your grids.</source>
        <translation>您的网格目前没有进行中的任务。</translation>
    </message>
    <message numerus="yes">
        <source>%n active campaign(s)</source>
        <translation>
            <numerusform>进行中的任务 %n 个</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n household(s) to answer</source>
        <translation>
            <numerusform>，待反馈 %n 户</numerusform>
        </translation>
    </message>
    <message>
        <source>Key %1</source>
        <translation>快捷键 %1</translation>
    </message>
    <message>
        <source>Please correct the answers marked in red.</source>
        <translation>请修改标红的答案。</translation>
    </message>
    <message>
        <source>Saved: %1 — %2</source>
        <translation>已保存：%1 — %2</translation>
    </message>
</context>
<context>
    <name>CheckedField</name>
    <message>
        <source>%1 is required</source>
        <translation>请填写%1</translation>
    </message>
</context>
<context>
    <name>Codes</name>
    <message>
        <source>Resident</source>
        <comment>kind</comment>
        <translation>常住</translation>
    </message>
    <message>
        <source>Rental</source>
        <comment>kind</comment>
        <translation>出租</translation>
    </message>
    <message>
        <source>Vacant</source>
        <comment>kind</comment>
        <translation>空置</translation>
    </message>
    <message>
        <source>Shop</source>
        <comment>kind</comment>
        <translation>商户</translation>
    </message>
    <message>
        <source>Elderly living alone</source>
        <comment>tag</comment>
        <translation>独居老人</translation>
    </message>
    <message>
        <source>Empty-nest elderly</source>
        <comment>tag</comment>
        <translation>空巢老人</translation>
    </message>
    <message>
        <source>Subsistence allowance</source>
        <comment>tag</comment>
        <translation>低保</translation>
    </message>
    <message>
        <source>Disability</source>
        <comment>tag</comment>
        <translation>残疾</translation>
    </message>
    <message>
        <source>Veteran</source>
        <comment>tag</comment>
        <translation>退役军人</translation>
    </message>
    <message>
        <source>Party member</source>
        <comment>tag</comment>
        <translation>党员</translation>
    </message>
    <message>
        <source>Key attention</source>
        <comment>tag</comment>
        <translation>重点关注</translation>
    </message>
    <message>
        <source>Left-behind child</source>
        <comment>tag</comment>
        <translation>留守儿童</translation>
    </message>
    <message>
        <source>Rental</source>
        <comment>tag</comment>
        <translation>出租</translation>
    </message>
    <message>
        <source>Pregnant or postpartum</source>
        <comment>tag</comment>
        <translation>孕产妇</translation>
    </message>
    <message>
        <source>Male</source>
        <comment>gender</comment>
        <translation>男</translation>
    </message>
    <message>
        <source>Female</source>
        <comment>gender</comment>
        <translation>女</translation>
    </message>
    <message>
        <source>Head of household</source>
        <comment>relation</comment>
        <translation>户主</translation>
    </message>
    <message>
        <source>Spouse</source>
        <comment>relation</comment>
        <translation>配偶</translation>
    </message>
    <message>
        <source>Child</source>
        <comment>relation</comment>
        <translation>子女</translation>
    </message>
    <message>
        <source>Parent</source>
        <comment>relation</comment>
        <translation>父母</translation>
    </message>
    <message>
        <source>Grandchild</source>
        <comment>relation</comment>
        <translation>孙子女</translation>
    </message>
    <message>
        <source>Sibling</source>
        <comment>relation</comment>
        <translation>兄弟姐妹</translation>
    </message>
    <message>
        <source>Tenant</source>
        <comment>relation</comment>
        <translation>租户</translation>
    </message>
    <message>
        <source>Other</source>
        <comment>relation</comment>
        <translation>其他</translation>
    </message>
    <message>
        <source>Met</source>
        <comment>outcome</comment>
        <translation>见面</translation>
    </message>
    <message>
        <source>Not at home</source>
        <comment>outcome</comment>
        <translation>不在家</translation>
    </message>
    <message>
        <source>Refused</source>
        <comment>outcome</comment>
        <translation>拒访</translation>
    </message>
    <message>
        <source>By phone</source>
        <comment>outcome</comment>
        <translation>电话走访</translation>
    </message>
    <message>
        <source>Pending review</source>
        <comment>review</comment>
        <translation>待审核</translation>
    </message>
    <message>
        <source>Approved</source>
        <comment>review</comment>
        <translation>已通过</translation>
    </message>
    <message>
        <source>Returned</source>
        <comment>review</comment>
        <translation>已退回</translation>
    </message>
    <message>
        <source>Public facilities</source>
        <comment>category</comment>
        <translation>公用设施</translation>
    </message>
    <message>
        <source>Roads and traffic</source>
        <comment>category</comment>
        <translation>道路交通</translation>
    </message>
    <message>
        <source>City appearance</source>
        <comment>category</comment>
        <translation>市容环境</translation>
    </message>
    <message>
        <source>Parks and greenery</source>
        <comment>category</comment>
        <translation>园林绿化</translation>
    </message>
    <message>
        <source>Housing and land</source>
        <comment>category</comment>
        <translation>房屋土地</translation>
    </message>
    <message>
        <source>Safety hazard</source>
        <comment>category</comment>
        <translation>安全隐患</translation>
    </message>
    <message>
        <source>Flood control</source>
        <comment>category</comment>
        <translation>防汛</translation>
    </message>
    <message>
        <source>Dispute</source>
        <comment>category</comment>
        <translation>矛盾纠纷</translation>
    </message>
    <message>
        <source>Public order</source>
        <comment>category</comment>
        <translation>治安</translation>
    </message>
    <message>
        <source>Livelihood services</source>
        <comment>category</comment>
        <translation>民生服务</translation>
    </message>
    <message>
        <source>Other</source>
        <comment>category</comment>
        <translation>其他</translation>
    </message>
    <message>
        <source>Normal</source>
        <comment>priority</comment>
        <translation>一般</translation>
    </message>
    <message>
        <source>Urgent</source>
        <comment>priority</comment>
        <translation>紧急</translation>
    </message>
    <message>
        <source>Open</source>
        <comment>status</comment>
        <translation>待处理</translation>
    </message>
    <message>
        <source>In progress</source>
        <comment>status</comment>
        <translation>处理中</translation>
    </message>
    <message>
        <source>Escalated</source>
        <comment>status</comment>
        <translation>已上报</translation>
    </message>
    <message>
        <source>Resolved</source>
        <comment>status</comment>
        <translation>已解决</translation>
    </message>
    <message>
        <source>Closed</source>
        <comment>status</comment>
        <translation>已办结</translation>
    </message>
    <message>
        <source>Grid worker</source>
        <comment>role</comment>
        <translation>网格员</translation>
    </message>
    <message>
        <source>Grid supervisor</source>
        <comment>role</comment>
        <translation>网格长</translation>
    </message>
    <message>
        <source>Administrator</source>
        <comment>role</comment>
        <translation>管理员</translation>
    </message>
    <message>
        <source>Issue</source>
        <comment>owner</comment>
        <translation>事项</translation>
    </message>
    <message>
        <source>Visit</source>
        <comment>owner</comment>
        <translation>走访记录</translation>
    </message>
    <message>
        <source>Household</source>
        <comment>owner</comment>
        <translation>住户</translation>
    </message>
    <message>
        <source>Resident</source>
        <comment>owner</comment>
        <translation>居民</translation>
    </message>
    <message>
        <source>Manhole cover</source>
        <comment>sub.facilities</comment>
        <translation>井盖</translation>
    </message>
    <message>
        <source>Street light</source>
        <comment>sub.facilities</comment>
        <translation>路灯</translation>
    </message>
    <message>
        <source>Water supply</source>
        <comment>sub.facilities</comment>
        <translation>供水设施</translation>
    </message>
    <message>
        <source>Drainage</source>
        <comment>sub.facilities</comment>
        <translation>排水设施</translation>
    </message>
    <message>
        <source>Power supply</source>
        <comment>sub.facilities</comment>
        <translation>电力设施</translation>
    </message>
    <message>
        <source>Gas supply</source>
        <comment>sub.facilities</comment>
        <translation>燃气设施</translation>
    </message>
    <message>
        <source>Fitness equipment</source>
        <comment>sub.facilities</comment>
        <translation>健身器材</translation>
    </message>
    <message>
        <source>Damaged road</source>
        <comment>sub.roads</comment>
        <translation>道路破损</translation>
    </message>
    <message>
        <source>Illegal parking</source>
        <comment>sub.roads</comment>
        <translation>乱停车</translation>
    </message>
    <message>
        <source>Traffic sign</source>
        <comment>sub.roads</comment>
        <translation>交通标志</translation>
    </message>
    <message>
        <source>Piled-up garbage</source>
        <comment>sub.environment</comment>
        <translation>垃圾堆放</translation>
    </message>
    <message>
        <source>Illegal advertising</source>
        <comment>sub.environment</comment>
        <translation>小广告</translation>
    </message>
    <message>
        <source>Street vending</source>
        <comment>sub.environment</comment>
        <translation>占道经营</translation>
    </message>
    <message>
        <source>Sewage overflow</source>
        <comment>sub.environment</comment>
        <translation>污水外溢</translation>
    </message>
    <message>
        <source>Noise</source>
        <comment>sub.environment</comment>
        <translation>噪声扰民</translation>
    </message>
    <message>
        <source>Fallen tree</source>
        <comment>sub.greenery</comment>
        <translation>树木倒伏</translation>
    </message>
    <message>
        <source>Damaged green space</source>
        <comment>sub.greenery</comment>
        <translation>绿地损坏</translation>
    </message>
    <message>
        <source>Overgrown branches</source>
        <comment>sub.greenery</comment>
        <translation>树枝遮挡</translation>
    </message>
    <message>
        <source>Illegal construction</source>
        <comment>sub.housing</comment>
        <translation>违章搭建</translation>
    </message>
    <message>
        <source>Dangerous building</source>
        <comment>sub.housing</comment>
        <translation>危房</translation>
    </message>
    <message>
        <source>Leaking building</source>
        <comment>sub.housing</comment>
        <translation>房屋渗漏</translation>
    </message>
    <message>
        <source>Fire hazard</source>
        <comment>sub.safety_hazard</comment>
        <translation>消防隐患</translation>
    </message>
    <message>
        <source>Unsafe e-bike charging</source>
        <comment>sub.safety_hazard</comment>
        <translation>电动车违规充电</translation>
    </message>
    <message>
        <source>Blocked fire exit</source>
        <comment>sub.safety_hazard</comment>
        <translation>消防通道堵塞</translation>
    </message>
    <message>
        <source>Falling objects</source>
        <comment>sub.safety_hazard</comment>
        <translation>高空坠物</translation>
    </message>
    <message>
        <source>Sandbags</source>
        <comment>sub.flood</comment>
        <translation>防汛沙袋</translation>
    </message>
    <message>
        <source>Waterlogging</source>
        <comment>sub.flood</comment>
        <translation>积水</translation>
    </message>
    <message>
        <source>Blocked storm drain</source>
        <comment>sub.flood</comment>
        <translation>雨水口堵塞</translation>
    </message>
    <message>
        <source>Neighbour dispute</source>
        <comment>sub.dispute</comment>
        <translation>邻里纠纷</translation>
    </message>
    <message>
        <source>Family dispute</source>
        <comment>sub.dispute</comment>
        <translation>家庭纠纷</translation>
    </message>
    <message>
        <source>Property management dispute</source>
        <comment>sub.dispute</comment>
        <translation>物业纠纷</translation>
    </message>
    <message>
        <source>Unpaid wages</source>
        <comment>sub.dispute</comment>
        <translation>欠薪</translation>
    </message>
    <message>
        <source>Suspicious person</source>
        <comment>sub.public_order</comment>
        <translation>可疑人员</translation>
    </message>
    <message>
        <source>Theft</source>
        <comment>sub.public_order</comment>
        <translation>盗窃</translation>
    </message>
    <message>
        <source>Telecom fraud</source>
        <comment>sub.public_order</comment>
        <translation>电信诈骗</translation>
    </message>
    <message>
        <source>Subsidy application</source>
        <comment>sub.livelihood</comment>
        <translation>补贴申领</translation>
    </message>
    <message>
        <source>Elderly care</source>
        <comment>sub.livelihood</comment>
        <translation>养老服务</translation>
    </message>
    <message>
        <source>Medical difficulty</source>
        <comment>sub.livelihood</comment>
        <translation>就医困难</translation>
    </message>
    <message>
        <source>Employment help</source>
        <comment>sub.livelihood</comment>
        <translation>就业帮扶</translation>
    </message>
    <message>
        <source>Certificate request</source>
        <comment>sub.livelihood</comment>
        <translation>证明开具</translation>
    </message>
</context>
<context>
    <name>CommentDialog</name>
    <message>
        <source>What was done, who was contacted, what comes next</source>
        <translation>做了什么、联系了谁、下一步怎么办</translation>
    </message>
    <message>
        <source>Comment (required)</source>
        <translation>处置说明（必填）</translation>
    </message>
</context>
<context>
    <name>ConflictsPage</name>
    <message>
        <source>Conflicts</source>
        <translation>冲突</translation>
    </message>
    <message>
        <source>You and a colleague changed the same field before either of you synced. The value that arrived last is in effect; choose which one to keep. A supervisor sees those of every grid they hold.</source>
        <translation>您和同事在同步前修改了同一项内容。目前生效的是后到达服务器的值，请选择保留哪一个。网格长可以看到所负责各网格的冲突。</translation>
    </message>
    <message>
        <source>Refused by the server</source>
        <translation>被服务器拒绝的修改</translation>
    </message>
    <message>
        <source>These changes were not applied (nothing was lost: they are kept here). Ask your supervisor if a change belongs to a household that moved to another grid: they can make it again from their laptop, or mark it handled.</source>
        <translation>这些修改没有生效（数据没有丢失，都保留在这里）。如果涉及已迁往其他网格的住户，请联系网格长：网格长可以从本机重新提交，或标记为已处理。</translation>
    </message>
    <message>
        <source>Keep this</source>
        <translation>保留此值</translation>
    </message>
    <message>
        <source>Keep the value in effect</source>
        <translation>保留目前生效的值</translation>
    </message>
    <message>
        <source>Restore the other</source>
        <translation>改回被覆盖的值</translation>
    </message>
    <message>
        <source>Put the overwritten value back</source>
        <translation>恢复被覆盖的值，作为一次新的修改</translation>
    </message>
    <message>
        <source>Make it again</source>
        <translation>重新提交</translation>
    </message>
    <message>
        <source>Apply this change again from this laptop, as a new edit</source>
        <translation>从本机把这条修改重新提交一次（作为新的修改）</translation>
    </message>
    <message>
        <source>Handled</source>
        <translation>已处理</translation>
    </message>
    <message>
        <source>Dealt with, or not wanted: hide it</source>
        <translation>已处理或不再需要：不再显示</translation>
    </message>
    <message>
        <source>The household is no longer on this laptop (it may have moved to another grid): your supervisor can make this change again.</source>
        <translation>该住户已不在本机（可能已移至其他网格），请由网格长重新提交这条修改。</translation>
    </message>
</context>
<context>
    <name>CoverageChart</name>
    <message>
        <source>Households visited %</source>
        <translation>住户走访覆盖率 %</translation>
    </message>
    <message>
        <source>Key households on time %</source>
        <translation>重点户按期走访率 %</translation>
    </message>
</context>
<context>
    <name>CoveragePage</name>
    <message>
        <source>This month</source>
        <translation>本月</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>上月</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>最近 7 天</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>最近 30 天</translation>
    </message>
    <message>
        <source>Chosen dates</source>
        <translation>自选日期</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Households visited</source>
        <translation>住户走访覆盖</translation>
    </message>
    <message>
        <source>Key households visited in time</source>
        <translation>重点户按期走访</translation>
    </message>
    <message>
        <source>Visits</source>
        <translation>走访次数</translation>
    </message>
    <message>
        <source>Key households overdue</source>
        <translation>逾期未访重点户</translation>
    </message>
    <message>
        <source>By grid</source>
        <translation>按网格</translation>
    </message>
    <message>
        <source>By worker</source>
        <translation>按网格员</translation>
    </message>
    <message>
        <source>Click a bar to list the households behind it.</source>
        <translation>点击图中的柱子，查看对应的住户。</translation>
    </message>
    <message>
        <source>Double-click a household to open it.</source>
        <translation>双击住户可打开详情。</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>期间</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>%1 of %2 households</source>
        <translation>%2 户中已走访 %1 户</translation>
    </message>
    <message>
        <source>Households visited (%1 / %2)</source>
        <translation>住户走访覆盖（%1 / %2）</translation>
    </message>
    <message>
        <source>Key households visited in time (%1 / %2)</source>
        <translation>重点户按期走访（%1 / %2）</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n key household(s) overdue</source>
        <translation>
            <numerusform>%1：逾期未访重点户 %n 户</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1: %n household(s) not visited</source>
        <translation>
            <numerusform>%1：期内未走访 %n 户</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1: %n household(s) visited</source>
        <translation>
            <numerusform>%1：走访了 %n 户</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DailyChart</name>
    <message>
        <source>Visits per day</source>
        <translation>每日走访次数</translation>
    </message>
    <message>
        <source>Visits</source>
        <translation>走访次数</translation>
    </message>
</context>
<context>
    <name>DeadlineDialog</name>
    <message>
        <source>Change the deadline</source>
        <translation>修改办理期限</translation>
    </message>
    <message>
        <source>No deadline</source>
        <translation>不设期限</translation>
    </message>
    <message>
        <source>Why (optional): shown in the issue's history</source>
        <translation>修改原因（可不填）：记入事项的处置记录</translation>
    </message>
    <message>
        <source>Current deadline</source>
        <translation>当前期限</translation>
    </message>
    <message>
        <source>New deadline</source>
        <translation>新的期限</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>DepartureDialog</name>
    <message>
        <source>Record a death</source>
        <translation>登记死亡</translation>
    </message>
    <message>
        <source>%1 died. The record stays in the ledger, shown as deceased.</source>
        <translation>%1 已故。记录保留在台账中，显示为“已故”。</translation>
    </message>
    <message>
        <source>Record moving out</source>
        <translation>登记迁出</translation>
    </message>
    <message>
        <source>%1 moved away for good. The record stays in the ledger.</source>
        <translation>%1 已迁出本户。记录保留在台账中。</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>年-月-日</translation>
    </message>
    <message>
        <source>e.g. 南京市鼓楼区, or another grid's address</source>
        <translation>如：南京市鼓楼区，或其他网格的住址</translation>
    </message>
    <message>
        <source>&amp;Date</source>
        <translation>日期(&amp;D)</translation>
    </message>
    <message>
        <source>Moved &amp;to</source>
        <translation>迁往(&amp;T)</translation>
    </message>
</context>
<context>
    <name>Dialogs</name>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>DuePage</name>
    <message>
        <source>Log a visit (Ctrl+N)</source>
        <translation>记录走访 (Ctrl+N)</translation>
    </message>
    <message>
        <source>Show the household (Enter)</source>
        <translation>查看住户 (Enter)</translation>
    </message>
    <message numerus="yes">
        <source>%n household(s) due for a visit</source>
        <translation>
            <numerusform>共 %n 户待走访</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n of them key attention</source>
        <translation>
            <numerusform>，其中重点户 %n 户</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n with nobody left living there</source>
        <translation>
            <numerusform>，其中 %n 户已无人在住</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Entities</name>
    <message>
        <source>Household</source>
        <translation>住户</translation>
    </message>
    <message>
        <source>Resident</source>
        <translation>居民</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>走访记录</translation>
    </message>
    <message>
        <source>Issue</source>
        <translation>民情事项</translation>
    </message>
    <message>
        <source>Issue update</source>
        <translation>处置记录</translation>
    </message>
    <message>
        <source>Attachment</source>
        <translation>附件</translation>
    </message>
    <message>
        <source>Campaign</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Campaign response</source>
        <translation>任务反馈</translation>
    </message>
</context>
<context>
    <name>EscalateDialog</name>
    <message>
        <source>Escalate to the street or 12345</source>
        <translation>提级上报（街道或12345）</translation>
    </message>
    <message>
        <source>e.g. 2026112600123 (leave empty if none)</source>
        <translation>如 2026112600123（没有可不填）</translation>
    </message>
    <message>
        <source>Why it cannot be solved in the grid, and to whom it went</source>
        <translation>为何网格内无法解决，上报给了哪个部门</translation>
    </message>
    <message>
        <source>12345 ticket</source>
        <translation>12345 工单号</translation>
    </message>
    <message>
        <source>Comment (required)</source>
        <translation>说明（必填）</translation>
    </message>
    <message>
        <source>Escalate</source>
        <translation>上报</translation>
    </message>
    <message>
        <source>The ticket number may only hold letters, digits and dashes.</source>
        <translation>工单号只能包含字母、数字和短横线。</translation>
    </message>
    <message>
        <source>Please say why the issue is escalated.</source>
        <translation>请填写上报说明。</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Export a ledger</source>
        <translation>导出台账</translation>
    </message>
    <message>
        <source>Households and residents: the grid as it is now.</source>
        <translation>住户和居民台账导出网格当前的全部数据。</translation>
    </message>
    <message>
        <source>Excel (.xlsx)</source>
        <translation>Excel（.xlsx）</translation>
    </message>
    <message>
        <source>CSV (opens in Excel)</source>
        <translation>CSV（可用 Excel 打开）</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Open the folder</source>
        <translation>打开所在文件夹</translation>
    </message>
    <message>
        <source>Ledger</source>
        <translation>台账</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>期间</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>Save as</source>
        <translation>保存到</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <source>Save the ledger as</source>
        <translation>台账另存为</translation>
    </message>
    <message>
        <source>Excel (*.xlsx);;CSV (*.csv)</source>
        <translation>Excel 文件 (*.xlsx);;CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>There is no grid to export yet: sync first.</source>
        <translation>还没有可导出的网格：请先同步。</translation>
    </message>
    <message>
        <source>Please choose where to save the ledger.</source>
        <translation>请选择台账的保存位置。</translation>
    </message>
    <message>
        <source>The period ends before it starts.</source>
        <translation>结束日期早于开始日期。</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <source>Replace the file?</source>
        <translation>替换文件？</translation>
    </message>
    <message>
        <source>%1 already exists. Replace it with this ledger?</source>
        <translation>“%1”已存在。要用这份台账替换它吗？</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>替换</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message numerus="yes">
        <source>%n row(s) exported to %1</source>
        <translation>
            <numerusform>已导出 %n 行到 %1</numerusform>
        </translation>
    </message>
    <message>
        <source>The file could not be written (is it open in Excel?): %1</source>
        <translation>文件无法写入（是否正在 Excel 中打开？）：%1</translation>
    </message>
</context>
<context>
    <name>Fields</name>
    <message>
        <source>Grid</source>
        <comment>households</comment>
        <translation>网格</translation>
    </message>
    <message>
        <source>Address</source>
        <comment>households</comment>
        <translation>地址</translation>
    </message>
    <message>
        <source>Building</source>
        <comment>households</comment>
        <translation>楼栋</translation>
    </message>
    <message>
        <source>Unit</source>
        <comment>households</comment>
        <translation>单元</translation>
    </message>
    <message>
        <source>Room</source>
        <comment>households</comment>
        <translation>室</translation>
    </message>
    <message>
        <source>Head of household</source>
        <comment>households</comment>
        <translation>户主姓名</translation>
    </message>
    <message>
        <source>Phone</source>
        <comment>households</comment>
        <translation>联系电话</translation>
    </message>
    <message>
        <source>Household type</source>
        <comment>households</comment>
        <translation>户类型</translation>
    </message>
    <message>
        <source>Tags</source>
        <comment>households</comment>
        <translation>标签</translation>
    </message>
    <message>
        <source>Visit interval (days)</source>
        <comment>households</comment>
        <translation>走访周期（天）</translation>
    </message>
    <message>
        <source>Notes</source>
        <comment>households</comment>
        <translation>备注</translation>
    </message>
    <message>
        <source>Household</source>
        <comment>residents</comment>
        <translation>所属住户</translation>
    </message>
    <message>
        <source>Name</source>
        <comment>residents</comment>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Gender</source>
        <comment>residents</comment>
        <translation>性别</translation>
    </message>
    <message>
        <source>ID number</source>
        <comment>residents</comment>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <comment>residents</comment>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Relation to head</source>
        <comment>residents</comment>
        <translation>与户主关系</translation>
    </message>
    <message>
        <source>Phone</source>
        <comment>residents</comment>
        <translation>联系电话</translation>
    </message>
    <message>
        <source>Tags</source>
        <comment>residents</comment>
        <translation>标签</translation>
    </message>
    <message>
        <source>Living here</source>
        <comment>residents</comment>
        <translation>在住</translation>
    </message>
    <message>
        <source>Notes</source>
        <comment>residents</comment>
        <translation>备注</translation>
    </message>
    <message>
        <source>Household</source>
        <comment>visits</comment>
        <translation>所属住户</translation>
    </message>
    <message>
        <source>Visit time</source>
        <comment>visits</comment>
        <translation>走访时间</translation>
    </message>
    <message>
        <source>Outcome</source>
        <comment>visits</comment>
        <translation>走访结果</translation>
    </message>
    <message>
        <source>Grid worker</source>
        <comment>visits</comment>
        <translation>网格员</translation>
    </message>
    <message>
        <source>People met</source>
        <comment>visits</comment>
        <translation>见到的人员</translation>
    </message>
    <message>
        <source>Visit notes</source>
        <comment>visits</comment>
        <translation>走访情况</translation>
    </message>
    <message>
        <source>Needs follow-up</source>
        <comment>visits</comment>
        <translation>需跟进</translation>
    </message>
    <message>
        <source>Review status</source>
        <comment>visits</comment>
        <translation>审核状态</translation>
    </message>
    <message>
        <source>Review comment</source>
        <comment>visits</comment>
        <translation>审核意见</translation>
    </message>
    <message>
        <source>Reviewed by</source>
        <comment>visits</comment>
        <translation>审核人</translation>
    </message>
    <message>
        <source>Reviewed at</source>
        <comment>visits</comment>
        <translation>审核时间</translation>
    </message>
    <message>
        <source>Grid</source>
        <comment>issues</comment>
        <translation>网格</translation>
    </message>
    <message>
        <source>Title</source>
        <comment>issues</comment>
        <translation>标题</translation>
    </message>
    <message>
        <source>Category</source>
        <comment>issues</comment>
        <translation>类别</translation>
    </message>
    <message>
        <source>Household</source>
        <comment>issues</comment>
        <translation>关联住户</translation>
    </message>
    <message>
        <source>Subcategory</source>
        <comment>issues</comment>
        <translation>子类</translation>
    </message>
    <message>
        <source>Description</source>
        <comment>issues</comment>
        <translation>描述</translation>
    </message>
    <message>
        <source>Location</source>
        <comment>issues</comment>
        <translation>位置</translation>
    </message>
    <message>
        <source>Priority</source>
        <comment>issues</comment>
        <translation>紧急程度</translation>
    </message>
    <message>
        <source>Status</source>
        <comment>issues</comment>
        <translation>状态</translation>
    </message>
    <message>
        <source>Due date</source>
        <comment>issues</comment>
        <translation>办理期限</translation>
    </message>
    <message>
        <source>Assignee</source>
        <comment>issues</comment>
        <translation>承办人</translation>
    </message>
    <message>
        <source>12345 ticket number</source>
        <comment>issues</comment>
        <translation>12345 工单号</translation>
    </message>
    <message>
        <source>Issue</source>
        <comment>issue_updates</comment>
        <translation>所属事项</translation>
    </message>
    <message>
        <source>Previous status</source>
        <comment>issue_updates</comment>
        <translation>原状态</translation>
    </message>
    <message>
        <source>New status</source>
        <comment>issue_updates</comment>
        <translation>新状态</translation>
    </message>
    <message>
        <source>Comment</source>
        <comment>issue_updates</comment>
        <translation>处置说明</translation>
    </message>
    <message>
        <source>Handled by</source>
        <comment>issue_updates</comment>
        <translation>处置人</translation>
    </message>
    <message>
        <source>Handled at</source>
        <comment>issue_updates</comment>
        <translation>处置时间</translation>
    </message>
    <message>
        <source>File digest</source>
        <comment>attachments</comment>
        <translation>文件摘要</translation>
    </message>
    <message>
        <source>Belongs to</source>
        <comment>attachments</comment>
        <translation>所属类型</translation>
    </message>
    <message>
        <source>Owner record</source>
        <comment>attachments</comment>
        <translation>所属记录</translation>
    </message>
    <message>
        <source>File name</source>
        <comment>attachments</comment>
        <translation>文件名</translation>
    </message>
    <message>
        <source>File type</source>
        <comment>attachments</comment>
        <translation>文件类型</translation>
    </message>
    <message>
        <source>Size</source>
        <comment>attachments</comment>
        <translation>大小</translation>
    </message>
    <message>
        <source>Grid</source>
        <comment>campaigns</comment>
        <translation>网格</translation>
    </message>
    <message>
        <source>Campaign number</source>
        <comment>campaigns</comment>
        <translation>任务编号</translation>
    </message>
    <message>
        <source>Campaign title</source>
        <comment>campaigns</comment>
        <translation>任务名称</translation>
    </message>
    <message>
        <source>Campaign kind</source>
        <comment>campaigns</comment>
        <translation>任务类型</translation>
    </message>
    <message>
        <source>Campaign status</source>
        <comment>campaigns</comment>
        <translation>任务状态</translation>
    </message>
    <message>
        <source>Target households</source>
        <comment>campaigns</comment>
        <translation>任务对象</translation>
    </message>
    <message>
        <source>Questionnaire</source>
        <comment>campaigns</comment>
        <translation>问卷</translation>
    </message>
    <message>
        <source>Outcome choices</source>
        <comment>campaigns</comment>
        <translation>结果选项</translation>
    </message>
    <message>
        <source>Starts at</source>
        <comment>campaigns</comment>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Deadline</source>
        <comment>campaigns</comment>
        <translation>截止时间</translation>
    </message>
    <message>
        <source>Target households list</source>
        <comment>campaigns</comment>
        <translation>对象住户</translation>
    </message>
    <message>
        <source>Created by</source>
        <comment>campaigns</comment>
        <translation>发起人</translation>
    </message>
    <message>
        <source>Published at</source>
        <comment>campaigns</comment>
        <translation>发布时间</translation>
    </message>
    <message>
        <source>Closed at</source>
        <comment>campaigns</comment>
        <translation>结束时间</translation>
    </message>
    <message>
        <source>Household</source>
        <comment>campaign_responses</comment>
        <translation>住户</translation>
    </message>
    <message>
        <source>Campaign number</source>
        <comment>campaign_responses</comment>
        <translation>任务编号</translation>
    </message>
    <message>
        <source>Outcome</source>
        <comment>campaign_responses</comment>
        <translation>结果</translation>
    </message>
    <message>
        <source>Questionnaire answers</source>
        <comment>campaign_responses</comment>
        <translation>问卷答案</translation>
    </message>
    <message>
        <source>Photos</source>
        <comment>campaign_responses</comment>
        <translation>照片</translation>
    </message>
    <message>
        <source>Notes</source>
        <comment>campaign_responses</comment>
        <translation>备注</translation>
    </message>
    <message>
        <source>Answered at</source>
        <comment>campaign_responses</comment>
        <translation>填报时间</translation>
    </message>
    <message>
        <source>Answered by</source>
        <comment>campaign_responses</comment>
        <translation>填报人</translation>
    </message>
</context>
<context>
    <name>Filters</name>
    <message>
        <source>All grids</source>
        <translation>全部网格</translation>
    </message>
    <message>
        <source>Everyone</source>
        <translation>全部人员</translation>
    </message>
    <message>
        <source>Any</source>
        <translation>不限</translation>
    </message>
</context>
<context>
    <name>FollowupsPage</name>
    <message>
        <source>Open the visit (Enter)</source>
        <translation>打开走访记录 (Enter)</translation>
    </message>
    <message>
        <source>Show the household</source>
        <translation>查看住户</translation>
    </message>
    <message>
        <source>Follow-up done…</source>
        <translation>跟进完成…</translation>
    </message>
    <message>
        <source>Returned visits go back to the supervisor when you save your changes; a follow-up leaves the list when you mark it done.</source>
        <translation>被退回的走访记录修改保存后重新提交网格长审核；需要跟进的走访标记“跟进完成”后移出此列表。</translation>
    </message>
    <message numerus="yes">
        <source>%n returned by the supervisor</source>
        <translation>
            <numerusform>网格长退回 %n 条</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n to follow up</source>
        <translation>
            <numerusform>，需要跟进 %n 条</numerusform>
        </translation>
    </message>
    <message>
        <source>Follow-up done</source>
        <translation>跟进完成</translation>
    </message>
    <message>
        <source>What was done (added to the visit's notes)</source>
        <translation>做了什么（记入该走访的走访情况）</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>FormDialog</name>
    <message>
        <source>Discard what you typed?</source>
        <translation>放弃已输入的内容？</translation>
    </message>
    <message>
        <source>You have typed text in this dialog. Close it and lose that text?</source>
        <translation>此对话框中有已输入的文字。关闭后这些文字将丢失，确定关闭吗？</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <source>Keep editing</source>
        <translation>继续编辑</translation>
    </message>
</context>
<context>
    <name>GridChart</name>
    <message>
        <source>Not answered yet</source>
        <translation>未反馈</translation>
    </message>
</context>
<context>
    <name>HouseholdDetail</name>
    <message>
        <source>Choose a household on the left.</source>
        <translation>请在左侧选择一户。</translation>
    </message>
    <message>
        <source>Head of household</source>
        <translation>户主</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>联系电话</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>户类型</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Visit every</source>
        <translation>走访周期</translation>
    </message>
    <message>
        <source>Last visit</source>
        <translation>上次走访</translation>
    </message>
    <message>
        <source>Log a visit (Ctrl+N)</source>
        <translation>记录走访 (Ctrl+N)</translation>
    </message>
    <message>
        <source>Raise an issue (Ctrl+I)</source>
        <translation>上报事项 (Ctrl+I)</translation>
    </message>
    <message>
        <source>Edit household</source>
        <translation>编辑住户</translation>
    </message>
    <message>
        <source>Add resident</source>
        <translation>添加居民</translation>
    </message>
    <message>
        <source>Someone moving in or born here</source>
        <translation>新迁入或新出生的人员</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Away</source>
        <translation>外出</translation>
    </message>
    <message>
        <source>Away for a while, still of this household</source>
        <translation>暂时外出，仍属本户</translation>
    </message>
    <message>
        <source>Moved out…</source>
        <translation>迁出…</translation>
    </message>
    <message>
        <source>Moved away for good, with where to</source>
        <translation>已迁出本户，登记迁往何处</translation>
    </message>
    <message>
        <source>Deceased…</source>
        <translation>已故…</translation>
    </message>
    <message>
        <source>Died, with the date</source>
        <translation>登记死亡日期</translation>
    </message>
    <message>
        <source>Living here</source>
        <translation>在住</translation>
    </message>
    <message>
        <source>Back home</source>
        <translation>已回来居住</translation>
    </message>
    <message>
        <source>Open visit</source>
        <translation>查看/修改走访</translation>
    </message>
    <message>
        <source>(the head of household's phone is %1)</source>
        <translation>（户主电话为 %1，两者不一致）</translation>
    </message>
    <message>
        <source>not recorded</source>
        <translation>未登记</translation>
    </message>
    <message>
        <source>%1 days</source>
        <translation>%1 天</translation>
    </message>
    <message>
        <source>Every resident has moved out or died: tell the supervisor.</source>
        <translation>本户人员均已迁出或已故，请告知网格长。</translation>
    </message>
    <message>
        <source>Residents (%1)</source>
        <translation>居民（%1）</translation>
    </message>
    <message>
        <source>Visits (%1)</source>
        <translation>走访记录（%1）</translation>
    </message>
    <message>
        <source>Issues (%1)</source>
        <translation>事项（%1）</translation>
    </message>
    <message>
        <source>never visited</source>
        <translation>从未走访</translation>
    </message>
    <message>
        <source>never met in person</source>
        <translation>从未见面</translation>
    </message>
    <message>
        <source>last met %1</source>
        <translation>最近见面 %1</translation>
    </message>
    <message>
        <source>due now</source>
        <translation>已到期待访</translation>
    </message>
    <message>
        <source>next by %1</source>
        <translation>下次 %1 前</translation>
    </message>
    <message>
        <source>Mark %1 as away for a while (still of this household)?</source>
        <translation>将 %1 标记为暂时外出（仍属本户）？</translation>
    </message>
    <message>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
</context>
<context>
    <name>HouseholdDialog</name>
    <message>
        <source>Edit household</source>
        <translation>编辑住户</translation>
    </message>
    <message>
        <source>Add household</source>
        <translation>新增住户</translation>
    </message>
    <message>
        <source>Estate or street, e.g. 朐阳小区</source>
        <translation>小区或街巷，如：朐阳小区</translation>
    </message>
    <message>
        <source>Building</source>
        <translation>楼栋</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>单元</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>室</translation>
    </message>
    <message>
        <source>Made from the parts above; can be edited</source>
        <translation>由上面各项自动生成，也可修改</translation>
    </message>
    <message>
        <source>Mobile, or landline with area code</source>
        <translation>手机号，或带区号的固定电话</translation>
    </message>
    <message>
        <source>(not recorded)</source>
        <translation>（未登记）</translation>
    </message>
    <message>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <source>bldg.</source>
        <translation>号楼</translation>
    </message>
    <message>
        <source>unit</source>
        <translation>单元</translation>
    </message>
    <message>
        <source>room</source>
        <translation>室</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Address parts</source>
        <translation>住址</translation>
    </message>
    <message>
        <source>&amp;Address</source>
        <translation>地址(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Head of household</source>
        <translation>户主姓名(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Phone</source>
        <translation>联系电话(&amp;P)</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>户类型</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Visit every</source>
        <translation>走访周期</translation>
    </message>
    <message>
        <source>N&amp;otes</source>
        <translation>备注(&amp;O)</translation>
    </message>
    <message>
        <source>Save (Ctrl+Enter)</source>
        <translation>保存 (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>These tags make it a key household: visited every %1 days at most.</source>
        <translation>这些标签属于重点户：至少每 %1 天走访一次。</translation>
    </message>
    <message>
        <source>Also change the phone of the head of household %1</source>
        <translation>同时修改户主 %1 的电话</translation>
    </message>
</context>
<context>
    <name>HouseholdTableModel</name>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Head of household</source>
        <translation>户主</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>联系电话</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Last visit</source>
        <translation>上次走访</translation>
    </message>
    <message>
        <source>Next visit</source>
        <translation>下次走访</translation>
    </message>
    <message>
        <source>Nobody left</source>
        <translation>无人在住</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>Match: %1</source>
        <translation>匹配：%1</translation>
    </message>
</context>
<context>
    <name>HouseholdsPage</name>
    <message>
        <source>Search by name, address, phone or pinyin initials (Ctrl+F)</source>
        <translation>搜索姓名、地址、电话或拼音首字母 (Ctrl+F)</translation>
    </message>
    <message>
        <source>Due first</source>
        <translation>待访优先</translation>
    </message>
    <message>
        <source>Due only</source>
        <translation>只看待访</translation>
    </message>
    <message>
        <source>Add household</source>
        <translation>新增住户</translation>
    </message>
    <message>
        <source>A new building, new arrivals (Ctrl+Shift+N)</source>
        <translation>新楼栋、新迁入的住户 (Ctrl+Shift+N)</translation>
    </message>
    <message numerus="yes">
        <source>%n household(s)</source>
        <translation>
            <numerusform>共 %n 户</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>IdleLock</name>
    <message>
        <source>Wrong password</source>
        <translation>密码错误</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <source>Import a household ledger</source>
        <translation>导入住户台账</translation>
    </message>
    <message>
        <source>An Excel (.xlsx) or CSV file, one row per resident</source>
        <translation>Excel（.xlsx）或 CSV 文件，每位居民一行</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Column in the file</source>
        <translation>文件中的列</translation>
    </message>
    <message>
        <source>Imported as</source>
        <translation>导入为</translation>
    </message>
    <message>
        <source>First values</source>
        <translation>前几行的值</translation>
    </message>
    <message>
        <source>Choose a ledger file to begin.</source>
        <translation>请先选择台账文件。</translation>
    </message>
    <message>
        <source>Only rows that will not be imported</source>
        <translation>只看不能导入的行</translation>
    </message>
    <message>
        <source>Ledger file</source>
        <translation>台账文件</translation>
    </message>
    <message>
        <source>Into grid</source>
        <translation>导入到网格</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>1. Columns</source>
        <translation>一、列对应关系</translation>
    </message>
    <message>
        <source>2. What will happen</source>
        <translation>二、导入预览</translation>
    </message>
    <message>
        <source>Choose a household ledger</source>
        <translation>选择住户台账</translation>
    </message>
    <message>
        <source>Ledgers (*.xlsx *.xlsm *.csv);;All files (*)</source>
        <translation>台账文件 (*.xlsx *.xlsm *.csv);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Reading %1…</source>
        <translation>正在读取 %1…</translation>
    </message>
    <message>
        <source>No header row found: none of the first 15 rows names at least two known columns (such as 地址, 姓名, 身份证号).</source>
        <translation>未找到表头：前 15 行中没有一行含有至少两个可识别的列名（如 地址、姓名、身份证号）。</translation>
    </message>
    <message>
        <source>(not imported)</source>
        <translation>（不导入）</translation>
    </message>
    <message>
        <source>There is no grid to import into yet: sync first.</source>
        <translation>还没有可导入的网格：请先同步。</translation>
    </message>
    <message>
        <source>%1 row(s) read. To import: %2 new household(s), %3 new resident(s). Left out: %4 row(s) with errors; %5 row(s) skipped (blank, titles, or already imported).</source>
        <translation>共读取 %1 行。将新增住户 %2 户、居民 %3 人。不导入：有错误的 %4 行；跳过 %5 行（空行、标题行或已导入）。</translation>
    </message>
    <message>
        <source>Imported %1 household(s) and %2 resident(s). They reach the server at the next sync.</source>
        <translation>已导入住户 %1 户、居民 %2 人，下次同步时上传到服务器。</translation>
    </message>
</context>
<context>
    <name>IssueDialog</name>
    <message>
        <source>Raise an issue</source>
        <translation>上报事项</translation>
    </message>
    <message>
        <source>&amp;Grid</source>
        <translation>网格(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Category</source>
        <translation>类别(&amp;C)</translation>
    </message>
    <message>
        <source>Short and concrete, e.g. the manhole cover under building 68 is broken</source>
        <translation>简短具体，例如：68号楼下井盖破损</translation>
    </message>
    <message>
        <source>Only if the issue came in through the 12345 hotline</source>
        <translation>仅当事项来自 12345 热线时填写</translation>
    </message>
    <message>
        <source>&amp;Title</source>
        <translation>标题(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Description</source>
        <translation>描述(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Location</source>
        <translation>位置(&amp;L)</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <source>Due by</source>
        <translation>限期至</translation>
    </message>
    <message>
        <source>Due date</source>
        <translation>办理期限</translation>
    </message>
    <message>
        <source>12345 ticket</source>
        <translation>12345 工单号</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Raise (Ctrl+Enter)</source>
        <translation>上报 (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>(no subcategory)</source>
        <translation>（不选子类）</translation>
    </message>
</context>
<context>
    <name>IssuePanel</name>
    <message>
        <source>Choose an issue.</source>
        <translation>请选择一个事项。</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>承办人</translation>
    </message>
    <message>
        <source>Due date</source>
        <translation>办理期限</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>12345 ticket</source>
        <translation>12345 工单号</translation>
    </message>
    <message>
        <source>Open the household</source>
        <translation>查看关联住户</translation>
    </message>
    <message>
        <source>History</source>
        <translation>处置记录</translation>
    </message>
    <message>
        <source>Reassign…</source>
        <translation>改派…</translation>
    </message>
    <message>
        <source>Change deadline…</source>
        <translation>修改期限…</translation>
    </message>
    <message>
        <source>Add a comment</source>
        <translation>添加处置说明</translation>
    </message>
    <message>
        <source>Reopen</source>
        <translation>重新打开</translation>
    </message>
    <message>
        <source>Start handling</source>
        <translation>开始处理</translation>
    </message>
    <message>
        <source>Escalate</source>
        <translation>上报上级</translation>
    </message>
    <message>
        <source>Mark resolved</source>
        <translation>标记已解决</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>办结</translation>
    </message>
    <message>
        <source>Reassigned to %1</source>
        <translation>改派给 %1</translation>
    </message>
    <message>
        <source>Deadline changed to %1</source>
        <translation>办理期限改为 %1</translation>
    </message>
    <message>
        <source>Deadline removed</source>
        <translation>取消办理期限</translation>
    </message>
</context>
<context>
    <name>IssuesPage</name>
    <message>
        <source>Not finished</source>
        <translation>未办结</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Only mine</source>
        <translation>只看我的</translation>
    </message>
    <message>
        <source>Raise an issue (Ctrl+I)</source>
        <translation>上报事项 (Ctrl+I)</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message numerus="yes">
        <source>%n issue(s)</source>
        <translation>
            <numerusform>共 %n 件</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <source>Never visited</source>
        <translation>从未走访</translation>
    </message>
    <message>
        <source>Due today</source>
        <translation>今天到期</translation>
    </message>
    <message>
        <source>Overdue %1 day(s)</source>
        <translation>逾期 %1 天</translation>
    </message>
</context>
<context>
    <name>Launcher</name>
    <message>
        <source>Starting the demo sync service…</source>
        <translation>正在启动演示同步服务…</translation>
    </message>
    <message>
        <source>Gridworker demo</source>
        <translation>网格员工作台演示</translation>
    </message>
    <message>
        <source>The demo could not start. The details were written to the log file.</source>
        <translation>演示无法启动，详细信息已写入日志文件。</translation>
    </message>
    <message>
        <source>Logged in online.</source>
        <translation>已联网登录。</translation>
    </message>
    <message>
        <source>Offline: unlocked with this laptop's data. Syncing when the network returns.</source>
        <translation>离线模式：已用本机数据解锁，网络恢复后自动同步。</translation>
    </message>
</context>
<context>
    <name>Ledgers</name>
    <message>
        <source>Not imported</source>
        <translation>不导入</translation>
    </message>
    <message>
        <source>Corrected</source>
        <translation>已更正</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>提示</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>行</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>处理</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>说明</translation>
    </message>
</context>
<context>
    <name>Lists</name>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>New record</source>
        <translation>新增记录</translation>
    </message>
    <message>
        <source>(deleted)</source>
        <translation>（已删除）</translation>
    </message>
    <message>
        <source>no longer on this laptop</source>
        <translation>本机已无此记录</translation>
    </message>
    <message>
        <source>(not on this laptop)</source>
        <translation>（已不在本机）</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>In effect (arrived last)</source>
        <translation>生效的值（后到）</translation>
    </message>
    <message>
        <source>Overwritten</source>
        <translation>被覆盖的值</translation>
    </message>
    <message>
        <source>Before both</source>
        <translation>修改前</translation>
    </message>
    <message>
        <source>Keep</source>
        <translation>保留哪一方</translation>
    </message>
    <message>
        <source>Whose</source>
        <translation>提交人</translation>
    </message>
    <message>
        <source>This laptop</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>Changes asked</source>
        <translation>修改内容</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Settle</source>
        <translation>处理</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <source>Last visit</source>
        <translation>上次走访</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>从未走访</translation>
    </message>
    <message>
        <source>Overdue since</source>
        <translation>逾期自</translation>
    </message>
    <message>
        <source>Overdue since %1, visited %2</source>
        <translation>%1 起逾期，%2 已走访</translation>
    </message>
    <message>
        <source>Emergency</source>
        <translation>应急</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>重点</translation>
    </message>
    <message>
        <source>Nobody left</source>
        <translation>无人在住</translation>
    </message>
    <message>
        <source>Attention</source>
        <translation>关注</translation>
    </message>
    <message>
        <source>Every resident has moved out or died</source>
        <translation>本户人员均已迁出或已故</translation>
    </message>
    <message>
        <source>Head of household</source>
        <translation>户主</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Every</source>
        <translation>周期</translation>
    </message>
    <message>
        <source>%1 days</source>
        <translation>%1 天</translation>
    </message>
    <message>
        <source>Why due</source>
        <translation>待访原因</translation>
    </message>
    <message>
        <source>%1, by %2</source>
        <translation>%1，%2 前</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>被退回</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>需跟进</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>走访结果</translation>
    </message>
    <message>
        <source>Supervisor's comment / notes</source>
        <translation>审核意见 / 走访情况</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Relation</source>
        <translation>与户主关系</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Born</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>联系电话</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Deceased</source>
        <translation>已故</translation>
    </message>
    <message>
        <source>Moved out</source>
        <translation>迁出</translation>
    </message>
    <message>
        <source>Away</source>
        <translation>外出</translation>
    </message>
    <message>
        <source>Living here</source>
        <translation>在住</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>审核</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>情况</translation>
    </message>
    <message>
        <source>Returned: %1</source>
        <translation>已退回：%1</translation>
    </message>
    <message>
        <source> (overdue %1 day(s))</source>
        <translation>（逾期 %1 天）</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>期限</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>处置说明</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>状态变化</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>承办人</translation>
    </message>
    <message>
        <source>12345 ticket</source>
        <translation>12345 工单号</translation>
    </message>
    <message>
        <source>Worker</source>
        <translation>走访人</translation>
    </message>
    <message>
        <source>Return</source>
        <translation>退回</translation>
    </message>
    <message>
        <source>Not fixed yet</source>
        <translation>待修改</translation>
    </message>
    <message>
        <source>Fixed</source>
        <translation>已修改</translation>
    </message>
</context>
<context>
    <name>LockScreen</name>
    <message>
        <source>Locked · enter your password to unlock</source>
        <translation>已锁定 · 请输入密码解锁</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>退出登录</translation>
    </message>
    <message numerus="yes">
        <source>To protect residents' information the app locks after %n minute(s) without use. Syncing goes on in the background.</source>
        <translation>
            <numerusform>为保护居民信息，闲置 %n 分钟后自动锁定；后台同步照常进行。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Gridworker — log in</source>
        <translation>网格员工作台 — 登录</translation>
    </message>
    <message>
        <source>After one online login, the same password also opens this laptop's data without a network.</source>
        <translation>联网登录一次后，没有网络时也可以用同一密码打开本机数据。</translation>
    </message>
    <message>
        <source>&amp;Server</source>
        <translation>服务器(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;User name</source>
        <translation>用户名(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation>密码(&amp;P)</translation>
    </message>
    <message>
        <source>Advanced</source>
        <translation>高级</translation>
    </message>
    <message>
        <source>Only for a server with its own certificate</source>
        <translation>仅当服务器使用单位自建证书时填写</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>CA certificate</source>
        <translation>CA 证书</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Grid worker's desk</source>
        <translation>网格员工作台</translation>
    </message>
    <message>
        <source>Your login has expired. Log in again to keep syncing.</source>
        <translation>登录已过期，请重新登录以继续同步。</translation>
    </message>
    <message>
        <source>Enter the server, your user name and your password.</source>
        <translation>请填写服务器地址、用户名和密码。</translation>
    </message>
    <message>
        <source>Logging in…</source>
        <translation>正在登录…</translation>
    </message>
    <message>
        <source>Choose the CA certificate</source>
        <translation>选择 CA 证书文件</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt *.cer);;All files (*)</source>
        <translation>证书文件 (*.pem *.crt *.cer);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Logged in online.</source>
        <translation>已联网登录。</translation>
    </message>
    <message>
        <source>The server cannot be reached: unlocked offline with this laptop's data. Your work will be synced when the network returns.</source>
        <translation>无法连接服务器：已离线解锁本机数据。网络恢复后会自动同步您的工作。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Log a visit</source>
        <translation>记录走访</translation>
    </message>
    <message>
        <source>Raise an issue</source>
        <translation>上报事项</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Find a household</source>
        <translation>查找住户</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Log in again…</source>
        <translation>重新登录…</translation>
    </message>
    <message>
        <source>Open the log folder</source>
        <translation>打开日志文件夹</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Households</source>
        <translation>住户</translation>
    </message>
    <message>
        <source>Due today</source>
        <translation>今日待访</translation>
    </message>
    <message>
        <source>Issue oversight</source>
        <translation>事项督办</translation>
    </message>
    <message>
        <source>My issues</source>
        <translation>我的事项</translation>
    </message>
    <message>
        <source>Conflicts and refusals</source>
        <translation>冲突与被拒</translation>
    </message>
    <message>
        <source>Visits to fix</source>
        <translation>待办走访</translation>
    </message>
    <message>
        <source>Campaigns</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Review visits</source>
        <translation>走访审核</translation>
    </message>
    <message>
        <source>Coverage</source>
        <translation>覆盖率</translation>
    </message>
    <message>
        <source>Export a ledger…</source>
        <translation>导出台账…</translation>
    </message>
    <message>
        <source>Import a household ledger…</source>
        <translation>导入住户台账…</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Work</source>
        <translation>工作(&amp;W)</translation>
    </message>
    <message>
        <source>&amp;Ledgers</source>
        <translation>台账(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message numerus="yes">
        <source>%n visit(s) approved</source>
        <translation>
            <numerusform>已通过 %n 条走访记录</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n visit(s) returned to the worker</source>
        <translation>
            <numerusform>已退回 %n 条走访记录</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n conflicting edit(s)</source>
        <translation>
            <numerusform>%n 处修改冲突</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) refused by the server</source>
        <translation>
            <numerusform>%n 条修改被服务器拒绝</numerusform>
        </translation>
    </message>
    <message>
        <source>The last sync brought %1. Please have a look.</source>
        <translation>最近一次同步发现 %1，请查看处理。</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>查看</translation>
    </message>
    <message numerus="yes">
        <source>The supervisor returned %n visit(s) to you.</source>
        <translation>
            <numerusform>网格长退回了 %n 条走访记录，请修改后重新提交。</numerusform>
        </translation>
    </message>
    <message>
        <source>Gridworker</source>
        <translation>网格员工作台</translation>
    </message>
    <message>
        <source> (demo)</source>
        <translation>（演示）</translation>
    </message>
    <message>
        <source>Campaigns (%1)</source>
        <translation>任务 (%1)</translation>
    </message>
    <message>
        <source>Due today (%1)</source>
        <translation>今日待访（%1）</translation>
    </message>
    <message>
        <source>To fix (%1)</source>
        <translation>待办走访（%1）</translation>
    </message>
    <message>
        <source>Issue oversight (%1)</source>
        <translation>事项督办（%1）</translation>
    </message>
    <message>
        <source>My issues (%1)</source>
        <translation>我的事项（%1）</translation>
    </message>
    <message>
        <source>Conflicts (%1)</source>
        <translation>冲突与被拒（%1）</translation>
    </message>
    <message>
        <source>Review (%1)</source>
        <translation>审核（%1）</translation>
    </message>
    <message>
        <source>Emergency campaign under way: %1, deadline %2 (%3 of %4 answered).</source>
        <translation>应急任务进行中：%1，截止 %2（已反馈 %3 / %4 户）。</translation>
    </message>
    <message>
        <source>Open the campaign</source>
        <translation>查看任务</translation>
    </message>
    <message>
        <source>Unsent changes</source>
        <translation>有未发送的修改</translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) have not been sent to the server yet.</source>
        <translation>
            <numerusform>%n 条修改尚未发送到服务器。</numerusform>
        </translation>
    </message>
    <message>
        <source>They stay safe on this laptop and are sent at the next sync, even after you quit. Sync now and quit when it is done?</source>
        <translation>这些修改仍安全保存在这台电脑上，退出后也不会丢失，下次同步时会自动发送。要现在同步，完成后再退出吗？</translation>
    </message>
    <message>
        <source>Sync, then quit</source>
        <translation>同步后退出</translation>
    </message>
    <message>
        <source>Quit without syncing</source>
        <translation>直接退出</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Sending your changes, then quitting…</source>
        <translation>正在发送修改，完成后退出…</translation>
    </message>
</context>
<context>
    <name>OversightPage</name>
    <message>
        <source>Not finished</source>
        <translation>未办结</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <source>Escalated</source>
        <translation>已上报</translation>
    </message>
    <message>
        <source>Waiting to be closed</source>
        <translation>待验收办结</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已办结</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <source>Raise an issue (Ctrl+I)</source>
        <translation>上报事项（Ctrl+I）</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message numerus="yes">
        <source>%n issue(s)</source>
        <translation>
            <numerusform>%n 件事项</numerusform>
        </translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
</context>
<context>
    <name>PhotoStrip</name>
    <message>
        <source>Add photos…</source>
        <translation>添加照片…</translation>
    </message>
    <message>
        <source>Choose photos</source>
        <translation>选择照片</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Paste a picture</source>
        <translation>粘贴图片</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>or drop pictures here</source>
        <translation>或将图片拖到这里</translation>
    </message>
    <message>
        <source>(not downloaded)</source>
        <translation>（未下载）</translation>
    </message>
    <message>
        <source>This photo is on the server; it is not on this laptop.</source>
        <translation>照片在服务器上，本机尚未下载。</translation>
    </message>
    <message>
        <source>Downloading…</source>
        <translation>正在下载…</translation>
    </message>
    <message>
        <source>not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <source>The photo could not be downloaded: %1</source>
        <translation>照片无法下载：%1</translation>
    </message>
    <message>
        <source>Images (*.jpg *.jpeg *.png *.bmp *.gif *.webp *.heic);;All files (*)</source>
        <translation>图片 (*.jpg *.jpeg *.png *.bmp *.gif *.webp *.heic);;所有文件 (*)</translation>
    </message>
    <message>
        <source>A photo may be at most 20 MB. Not added: %1</source>
        <translation>单张照片不能超过 20 MB。未添加：%1</translation>
    </message>
</context>
<context>
    <name>PhotoViewer</name>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Zoom in (+)</source>
        <translation>放大 (+)</translation>
    </message>
    <message>
        <source>Zoom out (−)</source>
        <translation>缩小 (−)</translation>
    </message>
    <message>
        <source>Fit (0)</source>
        <translation>适应窗口 (0)</translation>
    </message>
</context>
<context>
    <name>PhrasePicker</name>
    <message>
        <source>Common phrases (Ctrl+1…9)</source>
        <translation>常用语 (Ctrl+1…9)</translation>
    </message>
    <message>
        <source>adds a phrase to the note</source>
        <translation>将常用语添加到走访情况</translation>
    </message>
</context>
<context>
    <name>Phrases</name>
    <message>
        <source>Everything is fine at home</source>
        <translation>家中一切正常</translation>
    </message>
    <message>
        <source>The elderly resident is in good health</source>
        <translation>老人身体状况良好</translation>
    </message>
    <message>
        <source>Told them about fraud and home safety</source>
        <translation>宣传防诈骗及居家安全知识</translation>
    </message>
    <message>
        <source>Checked gas and electricity safety</source>
        <translation>检查燃气、用电安全</translation>
    </message>
    <message>
        <source>No difficulties or requests</source>
        <translation>未反映困难诉求</translation>
    </message>
    <message>
        <source>Raised a request: recorded as an issue</source>
        <translation>反映诉求，已登记民情事项</translation>
    </message>
    <message>
        <source>Who lives here has not changed</source>
        <translation>居住人员无变化</translation>
    </message>
    <message>
        <source>Reminded them of the flood season precautions</source>
        <translation>提醒汛期安全注意事项</translation>
    </message>
    <message>
        <source>To be visited again soon</source>
        <translation>近期再次走访</translation>
    </message>
</context>
<context>
    <name>ReassignDialog</name>
    <message>
        <source>Reassign the issue</source>
        <translation>改派事项</translation>
    </message>
    <message>
        <source>(nobody)</source>
        <translation>（暂不指派）</translation>
    </message>
    <message>
        <source>What the new assignee should know (optional)</source>
        <translation>需要新承办人了解的情况（可不填）</translation>
    </message>
    <message>
        <source>Assign to</source>
        <translation>改派给</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>Nobody else holds this grid yet: sync to load the names.</source>
        <translation>还没有该网格的人员名单：请先同步。</translation>
    </message>
    <message>
        <source>Reassign</source>
        <translation>改派</translation>
    </message>
</context>
<context>
    <name>ResidentDialog</name>
    <message>
        <source>Edit resident</source>
        <translation>编辑居民信息</translation>
    </message>
    <message>
        <source>Add resident</source>
        <translation>添加居民</translation>
    </message>
    <message>
        <source>(not recorded)</source>
        <translation>（未填写）</translation>
    </message>
    <message>
        <source>18 characters; a final X is allowed</source>
        <translation>18 位，末位可以是 X</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>年-月-日，如 1950-01-01</translation>
    </message>
    <message>
        <source>Mobile, or landline with area code</source>
        <translation>手机号，或带区号的固定电话</translation>
    </message>
    <message>
        <source>Living here (uncheck if away for a while)</source>
        <translation>在住（暂时外出请取消勾选）</translation>
    </message>
    <message>
        <source>Also change the household's phone</source>
        <translation>同时修改本户联系电话</translation>
    </message>
    <message>
        <source>&amp;Name</source>
        <translation>姓名(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Relation to head</source>
        <translation>与户主关系(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Gender</source>
        <translation>性别(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;ID number</source>
        <translation>身份证号(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Date of birth</source>
        <translation>出生日期(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Phone</source>
        <translation>联系电话(&amp;P)</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>N&amp;otes</source>
        <translation>备注(&amp;O)</translation>
    </message>
</context>
<context>
    <name>ReviewPage</name>
    <message>
        <source>Waiting for review</source>
        <translation>待审核的走访</translation>
    </message>
    <message>
        <source>Returned to workers</source>
        <translation>已退回的走访</translation>
    </message>
    <message>
        <source>Approve (A)</source>
        <translation>通过（A）</translation>
    </message>
    <message>
        <source>Return… (R)</source>
        <translation>退回…（R）</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Worker</source>
        <translation>走访人</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>To</source>
        <translation>到</translation>
    </message>
    <message>
        <source>Undo (Ctrl+Z)</source>
        <translation>撤销 (Ctrl+Z)</translation>
    </message>
    <message numerus="yes">
        <source>%n returned, %1 fixed</source>
        <translation>
            <numerusform>已退回 %n 条，已修改 %1 条</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n visit(s) waiting</source>
        <translation>
            <numerusform>待审核 %n 条</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n selected</source>
        <translation>
            <numerusform>已选 %n 条</numerusform>
        </translation>
    </message>
    <message>
        <source>Approve visits</source>
        <translation>批量通过</translation>
    </message>
    <message numerus="yes">
        <source>Approve the %n selected visit(s)?</source>
        <translation>
            <numerusform>通过选中的 %n 条走访记录？</numerusform>
        </translation>
    </message>
    <message>
        <source>Approve all</source>
        <translation>全部通过</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message numerus="yes">
        <source>Return %n visit(s) to the worker</source>
        <translation>
            <numerusform>退回 %n 条走访记录</numerusform>
        </translation>
    </message>
    <message>
        <source>Return comment (required)</source>
        <translation>退回意见（必填）</translation>
    </message>
    <message>
        <source>What is missing or wrong: the worker sees this at the next sync</source>
        <translation>缺什么、哪里不对：网格员下次同步后会看到</translation>
    </message>
    <message>
        <source>Return</source>
        <translation>退回</translation>
    </message>
    <message numerus="yes">
        <source>Approved %n visit(s).</source>
        <translation>
            <numerusform>已通过 %n 条走访记录。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Returned %n visit(s) to the worker.</source>
        <translation>
            <numerusform>已退回 %n 条走访记录给网格员。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RowLegend</name>
    <message>
        <source>Due for a visit</source>
        <translation>粉色：应走访</translation>
    </message>
    <message>
        <source>Key household</source>
        <translation>粗体：重点户</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>System certificates</source>
        <translation>使用系统证书</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message numerus="yes">
        <source>%n minute(s)</source>
        <translation>
            <numerusform>%n 分钟</numerusform>
        </translation>
    </message>
    <message>
        <source>Simplified Chinese</source>
        <translation>简体中文</translation>
    </message>
    <message>
        <source>Same as the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>The server and CA bundle are used at the next login; the language after a restart.</source>
        <translation>服务器地址和 CA 证书在下次登录时生效；语言在重新启动后生效。</translation>
    </message>
    <message>
        <source>&amp;Server</source>
        <translation>服务器(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;CA bundle</source>
        <translation>CA 证书(&amp;C)</translation>
    </message>
    <message>
        <source>Sync &amp;every</source>
        <translation>自动同步间隔(&amp;E)</translation>
    </message>
    <message>
        <source>Lock when &amp;idle for</source>
        <translation>闲置自动锁定(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>CA certificates</source>
        <translation>CA 证书</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt *.cer);;All files (*)</source>
        <translation>证书 (*.pem *.crt *.cer);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>SyncIndicator</name>
    <message>
        <source>Locked</source>
        <translation>已锁定</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Last sync %1</source>
        <translation>上次同步 %1</translation>
    </message>
    <message>
        <source>Never synced</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <source>Unsent: %1</source>
        <translation>未上传 %1 条</translation>
    </message>
    <message>
        <source>First download…</source>
        <translation>首次下载…</translation>
    </message>
    <message>
        <source>Downloaded %1 records</source>
        <translation>已下载 %1 条</translation>
    </message>
</context>
<context>
    <name>Tasks</name>
    <message>
        <source>Something unexpected went wrong. The details were written to the log file.</source>
        <translation>出现了意外错误，详细信息已写入日志文件。</translation>
    </message>
    <message>
        <source>Gridworker</source>
        <translation>网格员工作台</translation>
    </message>
</context>
<context>
    <name>Values</name>
    <message>
        <source>(empty)</source>
        <translation>（空）</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
</context>
<context>
    <name>VisitDialog</name>
    <message>
        <source>Edit visit</source>
        <translation>修改走访记录</translation>
    </message>
    <message>
        <source>Log a visit</source>
        <translation>记录走访</translation>
    </message>
    <message>
        <source>Head of household: %1</source>
        <translation>户主：%1</translation>
    </message>
    <message>
        <source>Returned by the supervisor: %1
Saving your changes sends it for review again.</source>
        <translation>网格长退回意见：%1
修改保存后将重新提交审核。</translation>
    </message>
    <message>
        <source>(no comment)</source>
        <translation>（无意见）</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>走访结果</translation>
    </message>
    <message>
        <source>Visit time</source>
        <translation>走访时间</translation>
    </message>
    <message>
        <source>No residents recorded</source>
        <translation>尚未登记居民</translation>
    </message>
    <message>
        <source>Name (relation); several separated by 、 (Alt+0)</source>
        <translation>姓名（关系），多人用顿号分开（Alt+0）</translation>
    </message>
    <message>
        <source>Not registered:</source>
        <translation>未登记的人：</translation>
    </message>
    <message>
        <source>People met</source>
        <translation>见到的人员</translation>
    </message>
    <message>
        <source>What you saw and heard; what the family needs</source>
        <translation>看到和听到的情况，家庭有什么需要</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>走访情况</translation>
    </message>
    <message>
        <source>Needs follow-up</source>
        <translation>需要跟进</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Save (Ctrl+Enter)</source>
        <translation>保存 (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Change the visit as the supervisor asked, then save.</source>
        <translation>请按网格长的意见修改后再保存。</translation>
    </message>
</context>
<context>
    <name>VisitPanel</name>
    <message>
        <source>Nothing to review.</source>
        <translation>没有待审核的走访记录。</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>走访结果</translation>
    </message>
    <message>
        <source>Worker</source>
        <translation>走访人</translation>
    </message>
    <message>
        <source>People met</source>
        <translation>见到的人</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>需跟进</translation>
    </message>
    <message numerus="yes">
        <source>%n visit(s) selected</source>
        <translation>
            <numerusform>已选 %n 条走访记录</numerusform>
        </translation>
    </message>
    <message>
        <source>Press A to approve them all, R to return them all.</source>
        <translation>按 A 全部通过，按 R 全部退回。</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Returned to the worker, not fixed yet: %1</source>
        <translation>已退回网格员，尚未修改。退回意见：%1</translation>
    </message>
    <message>
        <source>(no comment)</source>
        <translation>（无意见）</translation>
    </message>
    <message>
        <source>Returned before with: %1</source>
        <translation>曾被退回，审核意见：%1</translation>
    </message>
    <message>
        <source>(no notes)</source>
        <translation>（无情况说明）</translation>
    </message>
</context>
<context>
    <name>WeeklyDialog</name>
    <message>
        <source>Weekly work list</source>
        <translation>巷理事工作清单</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Week of</source>
        <translation>所在周</translation>
    </message>
    <message>
        <source>Print preview…</source>
        <translation>打印预览…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>保存为 PDF…</translation>
    </message>
    <message>
        <source>Save as Excel…</source>
        <translation>保存为 Excel…</translation>
    </message>
    <message>
        <source>Save a phone picture…</source>
        <translation>保存手机图片…</translation>
    </message>
    <message>
        <source>Save the list as</source>
        <translation>清单保存为</translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation>已保存到 %1</translation>
    </message>
</context>
<context>
    <name>WorkOrdersDialog</name>
    <message>
        <source>12345 work orders</source>
        <translation>12345 工单</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>To assign</source>
        <translation>待分派</translation>
    </message>
    <message>
        <source>Replies</source>
        <translation>工单回复</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>No file chosen</source>
        <translation>未选择文件</translation>
    </message>
    <message>
        <source>Choose the export…</source>
        <translation>选择工单导出文件…</translation>
    </message>
    <message>
        <source>Sync first: tickets already on this laptop are skipped. Orders whose address matches no household, or several, go to the grid below, to be assigned by hand.</source>
        <translation>请先同步：本机已有的工单会跳过。地址未匹配到住户或匹配到多户的工单放入下面的网格，由网格长手动分派。</translation>
    </message>
    <message>
        <source>Export file</source>
        <translation>工单文件</translation>
    </message>
    <message>
        <source>Unmatched orders to</source>
        <translation>未匹配工单放入</translation>
    </message>
    <message>
        <source>Open the 12345 export</source>
        <translation>打开 12345 工单导出文件</translation>
    </message>
    <message>
        <source>Excel (*.xlsx *.xlsm)</source>
        <translation>Excel 文件 (*.xlsx *.xlsm)</translation>
    </message>
    <message>
        <source>There is no grid yet: sync first.</source>
        <translation>还没有网格，请先同步。</translation>
    </message>
    <message>
        <source>%1 work order(s) imported.</source>
        <translation>已导入 %1 件工单。</translation>
    </message>
    <message>
        <source>Ticket</source>
        <translation>工单编号</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>诉求地址</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <source>Assign</source>
        <translation>分派</translation>
    </message>
    <message>
        <source>Assign the selected order to</source>
        <translation>将选中的工单分派给</translation>
    </message>
    <message>
        <source>To assign (%1)</source>
        <translation>待分派（%1）</translation>
    </message>
    <message>
        <source>Assigned to %1</source>
        <translation>分派给 %1</translation>
    </message>
    <message>
        <source>Every resolved order, not only those since the last export</source>
        <translation>导出全部已办结工单（不只是上次导出之后的）</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未导出</translation>
    </message>
    <message>
        <source>Last export: %1</source>
        <translation>上次导出：%1</translation>
    </message>
    <message>
        <source>Export the reply sheet…</source>
        <translation>导出回复单…</translation>
    </message>
    <message>
        <source>Save the reply sheet as</source>
        <translation>回复单保存为</translation>
    </message>
    <message>
        <source>%1 reply line(s) written to %2</source>
        <translation>已将 %1 条工单回复写入 %2</translation>
    </message>
</context>
<context>
    <name>WorkOrdersMenu</name>
    <message>
        <source>Weekly work list…</source>
        <translation>巷理事工作清单…</translation>
    </message>
    <message>
        <source>12345 work orders…</source>
        <translation>12345 工单…</translation>
    </message>
</context>
<context>
    <name>WorkerChart</name>
    <message>
        <source>Responses</source>
        <translation>填报次数</translation>
    </message>
    <message>
        <source>(unknown)</source>
        <translation>（未知）</translation>
    </message>
</context>
</TS>
