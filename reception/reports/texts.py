"""Words of the weekly digest, its chart and the reception register.

Kept apart from ``reception.texts`` so the reports can change without touching the
conversation texts. HTML templates: anything a person typed is escaped by the caller.
"""

OFFICE = "民愿接待室"

# --- weekly digest ---------------------------------------------------------------------
DIGEST_TITLE = "{scope}{office}周报（{start}—{end}）"
DIGEST_SUBTITLE = "统计周期：{start}（周一）至 {end}（周日）　数据截至 {as_of}"
DIGEST_OVERVIEW = "<b>本周概况</b>（括号内为上周）"
DIGEST_COUNTS = (
    "受理 {received}（{p_received}）　按时响应 {responded_on_time}（{p_responded_on_time}）\n"
    "办结 {resolved}（{p_resolved}）　按时办结 {resolved_on_time}（{p_resolved_on_time}）\n"
    "超期 {overdue}（{p_overdue}）　重新办理 {reopened}（{p_reopened}）　"
    "已评价 {rated}（{p_rated}）"
)
DIGEST_RATE_LINE = "{name} <b>{value}</b>（{basis}；上周 {previous}{change}）"
# What a rate is computed over, per rate (the denominator's count).
RATE_BASIS_LABELS = {"response_rate": "应响应 {n} 件", "resolution_rate": "应办结 {n} 件",
                     "satisfaction_rate": "评价 {n} 件"}
# Under the minimum sample: the counts, not a percentage.
SMALL_SAMPLE = "{part}/{whole} 件"
SMALL_SAMPLE_NOTE = "不足{minimum}件，不计比率"
DIGEST_NOTHING = "本周没有受理诉求。"
DIGEST_BY_GRID = "<b>分网格</b>"
DIGEST_BY_COMMUNITY = "<b>分社区</b>"
DIGEST_BY_CATEGORY = "<b>分类别</b>"
DIGEST_BY_STAFF = "<b>分经办人</b>"
DIGEST_GROUP_LEGEND = ("<i>以下各项：受理件数（上周件数）｜三率（较上周变化，百分点）；"
                       "不足{minimum}件的只列件数：按时响应/应响应、办结/应办结、满意与基本满意/已评价</i>")
DIGEST_GROUP_LINE = (
    "· {name}：受理 {received}（{p_received}）｜响应 {response}｜解决 {resolution}"
    "｜满意 {satisfaction}"
)
DIGEST_MORE = "　…另有 {count} 项"
DIGEST_CLUSTERS = "<b>反复出现的问题</b>（近四周同一楼栋同一问题 ≥{minimum} 次）"
DIGEST_CLUSTER_LINE = "· {place} · {topic}：{count} 次（{numbers}）"
DIGEST_NO_CLUSTERS = "近四周没有同一楼栋反复出现的问题。"
DIGEST_FOOTNOTE = (
    "<i>响应率＝按时响应÷应响应；解决率＝已办结÷应办结；"
    "满意率＝（满意×1＋基本满意×{basic}）÷已评价。"
    "应响应、应办结指已答复/已办结或时限已到的诉求。</i>"
)
NO_GRID = "未划分网格"
NO_HANDLER = "未认领"
NO_BUILDING_PLACE = "{community}{building}号楼"

RATE_RESPONSE = "响应率"
RATE_RESOLUTION = "解决率"
RATE_SATISFACTION = "满意率"
NO_RATE = "—"

# --- chart -----------------------------------------------------------------------------
CHART_BY_CATEGORY = "本周各类诉求"
CHART_RECEIVED = "受理"
CHART_RESOLVED = "办结"
CHART_RATES = "三率对比"
CHART_THIS_WEEK = "本周"
CHART_LAST_WEEK = "上周"
CHART_NO_DATA = "本周无诉求"
CHART_RECEIVED_LAST_WEEK = "上周受理"
CHART_OVERDUE = "超期"
CHART_NO_RATE = "无数据"
CHART_SMALL_SAMPLE = "{part}/{whole}件\n样本不足"
CHART_BASIS = "({n}件)"

# --- reception register ----------------------------------------------------------------
REGISTER_TITLE = "{scope}{office}统一接待登记本（{start}至{end}）"
REGISTER_ALL = "全部社区"
REGISTER_CAPTION = "📒 {scope}统一接待登记本（{start}至{end}），共 {count} 条。居民信息已脱敏。"
REGISTER_FOOTER = "第 &P 页，共 &N 页"
REGISTER_SHEET = "接待登记"
REGISTER_FULL_SHEET = "诉求全文"
REGISTER_FULL_NUMBER = "编号"
REGISTER_FULL_TEXT = "诉求全文（登记本中摘要被截断的）"
REGISTER_OVERDUE_YES = "是"
REGISTER_OVERDUE_NO = "否"
CHANNEL_LABELS = {"telegram": "线上留言", "walkin": "来访", "phone": "来电"}
RESULT_REJECTED = "不予受理：{reason}"
RESULT_MERGED = "已合并到 {number}"
RESULT_MERGED_UNKNOWN = "已合并"
VISITOR_UNKNOWN = "来访群众"

# --- the desk's reports page -------------------------------------------------------------
DESK_PERIOD_BACKWARDS = "结束日期早于开始日期，请重新选择。"
DESK_PERIOD_TOO_LONG = "一次最多导出 {days} 天的登记本，请缩短时间段。"
DESK_PERIOD_FUTURE = "所选日期还没有到，请选择今天或以前的日期。"
DESK_UNPLACED = "未登记楼栋"

# --- the office's practice in the digest (reception.reports.practice) ------------------------
DIGEST_KNOWLEDGE = "💡 知识库即时答复 {total} 条咨询：已解决 {solved} · 转人工 {filed} · 未确认 {pending}"
CHANNEL_LABELS["visit"] = "走访"
DIGEST_VISITS = "🏠 民情日记（每周 {half_days} 个半天、{households} 户）：{met}/{total} 人达标"
DIGEST_VISITS_LINE = "· {name}：{half_days} 个半天 · {households} 户{mark}"
DIGEST_VISITS_MET = " ✅"

# --- 每月一题: the monthly report of recurring problems (reception.reports.monthly) -----------
MONTHLY_TITLE = "📊 {scope} · 每月一题 · {year}年{month}月"
MONTHLY_SUBTITLE = "反复出现的问题：同一地点、同一类别，近三个月（{first}—{last}月）≥{minimum} 件且本月有新发"
MONTHLY_NONE = "本月没有反复出现的问题。"
MONTHLY_ITEM = "{index}. {community}{place} · {category}：本月 {count} 件（{history}），{trend}"
MONTHLY_HISTORY = "{month}月 {count}"
MONTHLY_TRENDS = {"up": "↑ 上升", "down": "↓ 下降", "flat": "→ 持平", "new": "🆕 本月新出现"}
MONTHLY_NUMBERS = "　诉求：{numbers}"
MONTHLY_PICK_HINT = "街道督办可发送 /topic pick 序号，选定一个问题作为下月重点，从根上解决。"
MONTHLY_TRACKED_HEADER = "📌 每月一题跟踪："
MONTHLY_TRACKED = (
    "· #{id} {community}{place} · {category}（{month}选定）：{status}；关联诉求 {linked} 件，"
    "未办结 {open} 件，选定后新发 {since} 件{result}"
)
MONTHLY_TRACKED_RESULT = "；结果：{result}"
TOPIC_STATUS = {"tracking": "跟踪中", "solved": "已解决"}
PLACE_BUILDING = "{building}号楼"
PLACE_GRID = "{grid}"
MONTHLY_USAGE = "用法：/monthly [YYYY-MM]，例如 /monthly 2026-11（默认上个月）。"
TOPIC_USAGE = (
    "用法：/topic 查看跟踪中的每月一题\n/topic pick 序号 [YYYY-MM] 从月报中选定问题（默认上个月的月报）\n"
    "/topic done 编号 结果 问题已从根上解决"
)
TOPIC_NOT_SUPERVISOR = "只有街道的督办人员或管理员可以选定和结束每月一题。"
TOPIC_NO_SUCH_ITEM = "{month}月报中没有第 {index} 项（共 {count} 项）。"
TOPIC_PICKED = "已选定每月一题 #{id}：{community}{place} · {category}，关联诉求 {linked} 件，将在每月月报中跟踪。"
TOPIC_ALREADY = "这个问题已选定为每月一题 #{id}（{status}）。"
TOPIC_NOT_FOUND = "没有编号为 #{id} 的每月一题。"
TOPIC_DONE = "每月一题 #{id} 已标记为已解决：{result}"
TOPIC_ALREADY_DONE = "每月一题 #{id} 已经解决。"
TOPIC_NONE = "还没有选定的每月一题。发送 /monthly 查看月报，再用 /topic pick 序号 选定。"
TOPIC_NOTE = "列入每月一题 #{id}（{month}）"
DIGEST_CALLBACKS = "📞 回访 {total} 件：{outcomes}（未评价的诉求以回访结果计入满意率）"
# --- 退单, referrals, extensions in the digest (reception.reports.returns_counts) --------------------
DIGEST_PRACTICE = "<b>退单、转交与延期</b>"
DIGEST_RETURNS_LINE = "· 退单 {group}：{count} 件（维持原派 {upheld}，改派 {overturned}，待裁定 {pending}）"
DIGEST_RETURNS_NONE = "· 退单：无"
DIGEST_REFERRALS_LINE = "· 转交部门 {department}：{count} 件（已办结 {done}，超期 {late}）"
DIGEST_REFERRALS_NONE = "· 转交部门：无"
DIGEST_EXTENSIONS_LINE = (
    "· 延期申请：{count} 件（批准 {approved}，不批准 {refused}，待审批 {pending}；共延长 {days} 个工作日）"
)
DIGEST_EXTENSIONS_NONE = "· 延期申请：无"
DIGEST_NO_GROUP = "（未分组）"

# --- hot topics: a problem and its place, counted per petition -----------------------------
DIGEST_HOT_TOPICS = "<b>热点问题</b>（本周反映同一问题的诉求件数，≥2 件）"
DIGEST_HOT_TOPIC_ITEM = "{phrase}（{count} 件）"

# --- the desk's petition page: attachments ------------------------------------------------
DESK_ATTACHMENT_KINDS = {"photo": "图片", "document": "文件", "video": "视频", "voice": "语音",
                         "video_note": "视频", "audio": "音频", "animation": "动图"}
DESK_NO_ATTACHMENT = "没有找到这个附件。"
DESK_ATTACHMENT_UNAVAILABLE = "附件暂时无法下载，请稍后再试。"
DESK_ATTACHMENTS_OFF = "本工作台未连接机器人，无法下载附件。"
