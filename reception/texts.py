"""Every sentence residents and staff read, in one place. Placeholders use str.format.

HTML parse mode is used throughout: anything a person typed is escaped by the caller
(``html.escape``) before it is put into these templates.
"""

OFFICE = "民愿接待室"

# --- residents ---------------------------------------------------------------------------
WELCOME_CHOOSE = (
    "您好，欢迎来到{office}！\n"
    "这里受理物业、噪音、漏水、停车、低保、就业、邻里纠纷、养老等各类诉求，"
    "每一件都会登记编号、限时办理、结果请您评价。\n\n"
    "请先选择您所在的社区："
)
WELCOME_COMMUNITY = (
    "您好，欢迎来到<b>{community}</b>{office}！\n"
    "接待地址：{address}\n\n"
    "直接发送文字、图片、语音、位置或文件即可提交诉求，我们会登记编号并限时办理。\n"
    "可选：发送 /address 楼号单元室号（例如 /address 3号楼2单元501）登记住址，"
    "或点击下方按钮留下手机号，方便工作人员联系您（仅认领您诉求的工作人员可见）。\n\n"
    "常用命令：/my 我的诉求　/status 编号 查看进度　/cancel 编号 撤回　/help 帮助"
)
UNKNOWN_COMMUNITY_CODE = "未找到社区代码「{code}」，请从下面的列表中选择您所在的社区："
COMMUNITY_SET = "已将您的社区设置为 <b>{community}</b>。"
HELD_MESSAGE = "您的留言已暂存。请先选择您所在的社区，选好后我们会立即为您登记："
SHARE_PHONE_BUTTON = "📱 留下手机号（同意工作人员联系我）"
PHONE_SAVED = "已保存您的手机号 {phone}。只有认领您诉求的工作人员可以看到，用于联系您办理诉求。"
PHONE_NOT_OWN = "为保护他人隐私，请点击按钮分享您本人的手机号。"
ADDRESS_SAVED = "已登记您的住址：{address}。"
ADDRESS_HINT = "请在命令后写上楼号、单元和室号，例如：/address 3号楼2单元501"
ADDRESS_NOT_UNDERSTOOD = "没有识别出楼号，请按「3号楼2单元501」的格式填写，例如：/address 3号楼2单元501"

CONFIRM_CREATED = (
    "✅ 您的诉求已受理\n"
    "编号：<b>{number}</b>\n"
    "分类：{category}{urgent}\n"
    "承诺响应时间：{respond_by} 前\n"
    "承诺办结时间：{resolve_by} 前\n\n"
    "我们会尽快处理并回复您。继续发送的补充内容会并入本诉求；"
    "发送 /status {number} 查看进度，/cancel {number} 可撤回尚未受理的诉求。"
)
CONFIRM_URGENT_MARK = "（紧急）"
CATEGORY_IN_TRIAGE = "待工作人员确认"
CONFIRM_LONG_TEXT = "\n\n提示：您的留言共 {length} 字，已完整登记；工作群中显示前 {shown} 字，全文可随时调阅。"
CONFIRM_APPENDED = "📎 已补充到诉求 <b>{number}</b>。"
CONFIRM_ANSWERED = "📎 已将您的补充说明转给工作人员（诉求 <b>{number}</b>），办理时限继续计算。"
UNSUPPORTED_MESSAGE = "抱歉，暂不支持这类消息。请发送文字、图片、语音、位置或文件来描述您的诉求。"
EMPTY_MESSAGE = "请用文字描述一下您的诉求，或附上图片、语音、位置。"

STAFF_REPLY_TO_RESIDENT = "💬 <b>{community}{office}</b> 回复您的诉求 <b>{number}</b>：\n{text}"
STAFF_ASK_RESIDENT = (
    "❓ <b>{community}{office}</b> 需要您补充信息（诉求 <b>{number}</b>）：\n{text}\n\n"
    "请直接回复本消息。补充之前办理时限暂停计算。"
)
RESOLVED_TO_RESIDENT = (
    "✅ 您的诉求 <b>{number}</b> 已办结。\n办理结果：{result}\n\n"
    "请您对本次办理进行评价："
)
RESOLVED_TO_FOLLOWER = "✅ 与您的诉求合并办理的 <b>{number}</b> 已办结。\n办理结果：{result}"
REJECTED_TO_RESIDENT = (
    "您的诉求 <b>{number}</b> 未予受理。\n原因：{reason}\n\n"
    "如有疑问，可以补充情况后重新提交，或到{address}当面咨询。"
)
MERGED_TO_RESIDENT = (
    "您的诉求 <b>{number}</b> 与诉求 <b>{into}</b> 反映的是同一问题，已合并办理。"
    "后续进展会同步通知您。"
)
REASSIGNED_TO_RESIDENT = "您的诉求 <b>{number}</b> 已转交{target}办理，办理时限不变。"
CLAIMED_TO_RESIDENT = "👤 您的诉求 <b>{number}</b> 已由工作人员受理，正在办理。"
CANCELLED = "已撤回诉求 <b>{number}</b>。如有需要，欢迎随时重新提交。"
RATE_BUTTONS = (("满意", "satisfied"), ("基本满意", "basic"), ("不满意", "unsatisfied"))
RATING_LABELS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
RATED_THANKS = "感谢您的评价（{rating}）！诉求 <b>{number}</b> 已归档。"
RATED_REOPENED = (
    "很抱歉没有让您满意。诉求 <b>{number}</b> 已重新交办，工作人员会再次联系您。"
    "您也可以直接回复本消息补充不满意的原因。"
)
RATED_TOO_LATE = "感谢您的评价（{rating}）。诉求已超过 {days} 天的重新办理期限，如问题仍未解决，请提交新的诉求。"
ALREADY_RATED = "您已评价过该诉求，感谢您的反馈。"
RATE_NOT_YOURS = "抱歉，只能评价您本人提交的诉求。"
NOT_YOUR_PETITION = "没有找到编号为 {number} 的诉求，请核对编号（只能查看您本人提交的诉求）。"
MY_EMPTY = "您还没有提交过诉求。直接发送文字、图片、语音或位置即可提交。"
MY_HEADER = "您的诉求（最近 {count} 件）："
STATUS_USAGE = "请在命令后写上诉求编号，例如：/status MY-20261123-0007"
CANCEL_USAGE = "请在命令后写上要撤回的诉求编号，例如：/cancel MY-20261123-0007"
HELP_RESIDENT = (
    "直接发送文字、图片、语音、位置或文件即可提交诉求。\n"
    "/my 我的诉求　/status 编号 查看进度与记录　/cancel 编号 撤回\n"
    "/address 住址 登记楼号单元室号　/start 重新选择社区"
)

# --- staff -------------------------------------------------------------------------------
NOT_STAFF = (
    "抱歉，只有已登记的社区工作人员可以进行此操作。"
    "如需加入，请向管理员索取邀请码后私聊机器人发送 /join 邀请码。"
)
NOT_IN_SCOPE = "抱歉，该诉求不属于您负责的范围。"
NOT_ADMIN = "抱歉，只有管理员可以绑定工作群。"
GROUP_NOT_BOUND = "本群尚未绑定社区。请管理员在群内发送 /bind 社区代码。"
NOT_YOUR_GROUP = "抱歉，本群不属于您负责的社区，此命令在这里不可用。请在本社区的工作群或私聊机器人使用。"
NOT_IN_CHAT_SCOPE = "抱歉，该诉求不属于本群负责的范围，请在其所属社区的工作群或私聊机器人查看。"
GROUP_HELP_PUBLIC = "有事需要社区帮忙？请私聊本机器人，直接发送文字、图片或语音即可提交诉求。"
JOIN_USAGE = "请在命令后写上邀请码，例如：/join ABCD-EFGH"
JOIN_BAD_CODE = "邀请码无效或已过期，请向管理员重新索取。"
JOIN_OK = "欢迎加入，{name}！您已登记为{scope}的{role}。"
JOIN_ALREADY = "您已是登记的工作人员（{scope}{role}）。"
ROLE_LABELS = {"staff": "工作人员", "admin": "管理员", "supervisor": "督办人员"}
BIND_USAGE = (
    "用法：/bind 社区或街道代码 [分类…] [网格:代码] [分诊]\n"
    "例如：/bind hongqi　/bind hongqi 停车交通 城市管理　/bind hongqi 网格:g1　/bind xinhua"
)
BIND_UNKNOWN = "未找到代码「{code}」。可用的社区：{communities}；街道：{streets}"
BIND_UNKNOWN_CATEGORY = "未找到分类「{category}」。可用分类：{categories}"
BIND_UNKNOWN_GRID = "未找到网格「{grid}」。{community}的网格：{grids}"
BIND_OK = "本群已绑定为 <b>{scope}</b> 的工作群{filters}。新诉求会以卡片形式发到这里。"
BIND_ROUTED_PENDING = "另有 {count} 件尚未分派的诉求已转到本群。"

CARD_CLAIM = "认领"
CARD_REASSIGN = "转派"
CARD_RESOLVE = "办结"
CARD_REJECT = "驳回"
CARD_MERGE = "合并到 {number}"
CLAIMED_BY_YOU = "已认领 {number}。居民联系方式已私信发给您。"
ALREADY_CLAIMED = "该诉求已由 {name} 认领。"
CONTACT_TO_HANDLER = (
    "您认领了诉求 <b>{number}</b>（{category}）。\n居民：{name}\n电话：{phone}\n住址：{address}\n"
    "请在群内回复诉求卡片与居民沟通，回复内容会转给居民。"
)
NO_PHONE = "居民未留电话，请回复卡片与其沟通"
PROMPT_RESULT = "请 {name} 直接发送 {number} 的办理结果（一句话即可），发送 /skip 取消。"
PROMPT_REASON = "请 {name} 直接发送驳回 {number} 的原因（居民会看到），发送 /skip 取消。"
PROMPT_CANCELLED = "已取消。"
REASSIGN_CHOOSE = "将 {number} 转派到："
REASSIGN_TO_GROUP = "群：{title}"
REASSIGN_NOTHING = "没有可以转派的其他工作群或分类。"
REASSIGNED = "已将 {number} 转派至{target}。"
RESOLVED_OK = "已办结 {number}，已请居民评价。"
REJECTED_OK = "已驳回 {number}，原因已告知居民。"
MERGED_OK = "已将 {dup} 合并到 {into}。"
MERGE_SELF = "不能把诉求合并到它自己。"
MERGE_CLOSED_TARGET = "目标诉求 {number} 已不在办理中，不能合并。"
REPLY_SENT = "✉️ 已转给居民。"
REPLY_NOT_OPEN = "诉求 {number} 当前状态为「{label}」，回复未发送给居民。"
WALKIN_USAGE = (
    "用法：/walkin 来访内容（可含电话）\n例如：/walkin 张大爷来访，3号楼2单元楼道灯坏了一个月，电话138xxxxxxxx"
)
WALKIN_OK = "已登记来访：{number}"
OPEN_EMPTY = "目前没有待办诉求。"
OPEN_HEADER = "待办诉求（{count} 件）："
SHOW_USAGE = "用法：/show 诉求编号"
RESOLVE_USAGE = "用法：/resolve 诉求编号 办理结果"
REJECT_USAGE = "用法：/reject 诉求编号 驳回原因"
MERGE_USAGE = "用法：/merge 重复的编号 合并到的编号"
ASK_USAGE = "用法：/ask 诉求编号 需要居民补充的问题"
ASK_OK = "已向居民发出补充请求，{number} 的办理时限暂停计算。"
COMPLEX_USAGE = "用法：/complex 诉求编号"
COMPLEX_OK = "已将 {number} 标记为复杂诉求，办结时限调整为 {resolve_by}。"
NO_SUCH_PETITION = "没有找到诉求 {number}。"
RESIDENT_FOLLOWUP = "📨 居民补充（{number}）：\n{text}"
RESIDENT_ANSWER = "📨 居民答复（{number}）：\n{text}"
RESIDENT_REOPENED = "🔁 居民对 {number} 的办理结果不满意，已重新交办。"
RESIDENT_RATED = "⭐ 居民对 {number} 的评价：{rating}"
STAFF_HELP = (
    "工作群命令：\n/open 待办列表　/show 编号 详情\n/resolve 编号 结果　/reject 编号 原因\n"
    "/ask 编号 问题（暂停计时）　/complex 编号 标记复杂\n/merge 重复编号 合并到编号　/walkin 登记来访\n"
    "直接回复诉求卡片即可把内容发给居民。"
)
STAFF_HELP_PRIVATE = (
    "工作人员命令（私聊时作用于您负责的范围）：\n/open 待办列表　/show 编号 详情\n"
    "/resolve 编号 结果　/reject 编号 原因\n/ask 编号 问题（暂停计时）　/complex 编号 标记复杂\n"
    "/merge 重复编号 合并到编号　/walkin 登记来访　/overdue 超期　/digest 周报　/export 登记本\n"
    "诉求卡片在本社区工作群中处理。"
)
# After a deadline in a year whose holidays are not yet announced (computed festivals only).
PROVISIONAL_DATE_MARK = "（按推算的节假日计算，以国务院公布的安排为准）"
CALENDAR_MOVED_NOTE = "按国务院公布的{year}年节假日安排重新计算时限：响应 {respond}，办结 {resolve}"
CALENDAR_PROVISIONAL = (
    "📅 提醒：{year}年的法定节假日安排尚未录入，跨入{year}年的办理时限目前按推算的节假日计算，"
    "可能与国务院公布的安排相差一两天。国务院办公厅通知发布后，请将通知全文保存为文本文件，"
    "运行 minyuan calendar import 文件名 导入（未办结诉求的时限会自动重新计算），"
    "导入后可用 minyuan calendar {year} 核对。"
)
GENERIC_ERROR = "抱歉，系统暂时出了点问题，您的信息没有丢失，请稍后再试。"
INBOX_PARKED = ("抱歉，您刚才的消息系统暂时没能自动处理。消息已经保存，不会丢失，"
                "管理员会尽快人工处理；如情况紧急，请直接拨打社区电话或 110/119/120。")
# A button press this version cannot act on: an old card, a petition that is gone, a forged press.
BUTTON_INVALID = "抱歉，无法进行此操作：这个按钮已失效或无法识别，请以最新的消息为准。"

# --- deadlines: reminders, escalation (督办), /overdue, morning brief -----------------------
# Used by reception.supervision.escalation, reception.supervision.lateness and reception.supervision.brief.
DEADLINE_CLOCKS = {"respond": "响应", "resolve": "办结"}
LADDER_NO_HANDLER = "尚无人认领"
LADDER_REMIND = (
    "⏳ <b>临期提醒</b>：诉求 <b>{number}</b>（{category}）{clock}时限 {due}，"
    "已用去 {percent}% 的时间。\n处理人：{handler}"
)
LADDER_OVERDUE = (
    "⏰ <b>已超期</b>：诉求 <b>{number}</b>（{category}）{clock}时限 {due} 已过，已报街道督办。\n"
    "处理人：{handler}"
)
LADDER_OVERDUE_SUPERVISORS = (
    "🚨 <b>超期督办</b>：{community}诉求 <b>{number}</b>（{category}）{clock}时限 {due} 已过。\n"
    "处理人：{handler}"
)
LADDER_ESCALATE = (
    "🚨 诉求 <b>{number}</b>（{category}）{clock}超期已逾 {delay}，已升级区级督办。\n"
    "处理人：{handler}"
)
LADDER_ESCALATE_SUPERVISORS = (
    "🚨 <b>升级督办</b>：{street}{community}诉求 <b>{number}</b>（{category}）"
    "{clock}时限 {due} 已过 {delay} 仍未完成。\n处理人：{handler}"
)
LADDER_EVENT_NOTE = "{clock}时限 {due}"
LADDER_LEVELS = {2: "已报街道督办", 3: "已报区级督办"}
LATE_RESPOND = "响应超期 {late}（时限 {due}）"
LATE_RESPONDED = "响应晚了 {late}（{at} 才响应）"
LATE_RESOLVE = "办结超期 {late}（时限 {due}）"
LATE_PAUSED = "等待居民补充，暂停计时"
DURATION_DAYS = "{days}天"
DURATION_HOURS = "{hours}小时"
DURATION_MINUTES = "{minutes}分钟"
OVERDUE_EMPTY = "目前没有超期诉求。"
OVERDUE_HEADER = "超期诉求（{count} 件）："
OVERDUE_DETAIL = "　⏰ {lateness}　处理人：{handler}"
OVERDUE_TRUNCATED = "仅列出最早到期的 {count} 件。"
BRIEF_HEADER = "☀️ <b>{scope}早报</b> · {date}"
BRIEF_DATE = "{month}月{day}日 星期{weekday}"
WEEKDAYS = "一二三四五六日"
BRIEF_DUE_TODAY = "<b>今日到期</b>（{count} 件）："
BRIEF_DUE_LINE = "· <b>{number}</b> {category} · {clock}时限 {time} · 处理人：{handler}"
BRIEF_LATE = "<b>已超期</b>（{count} 件）："
BRIEF_LATE_LINE = "· <b>{number}</b> {category} · {lateness} · 处理人：{handler}"
BRIEF_ALL_CLEAR = "✅ 今日没有到期或超期的诉求。"
BRIEF_MORE = "……未全部列出，发送 /overdue 或 /open 查看。"
BRIEF_COMMUNITY_LINE = "· {community}：今日到期 {due} 件，已超期 {late} 件"
# A send that kept failing for a day is given up: every administrator is told.
DELIVERY_GAVE_UP = ("⚠️ 消息未能送达：一条发往{target}的消息{about}已连续失败超过{hours}小时，"
                    "系统已停止重试。最后的错误：{error}。请人工联系处理。")
DELIVERY_REFUSED = ("⚠️ 消息未能送达：一条发往{target}的消息{about}被 Telegram 拒绝，重试也无法送达，"
                    "系统不再重试。错误：{error}。请人工联系处理，并请技术人员查看日志。")
DELIVERY_TARGET_RESIDENT = "居民"
DELIVERY_TARGET_GROUP = "工作群"
DELIVERY_ABOUT = "（诉求 {number}）"

# --- the supervisors' desk (web) -------------------------------------------------------
WEB_LINK_INVALID = "登录链接无效、已使用或已过期，请在与机器人的私聊中重新发送 /web。"
WEB_DISABLED = "本接待室尚未开启网页工作台。"
WEB_BAD_DATE = "日期格式不正确，请按“年-月-日”选择，例如 2026-11-30。"
WEB_LINK = (
    "🔐 网页工作台登录链接（{minutes} 分钟内有效，仅可使用一次，请勿转发）：\n{url}\n"
    "也可以点下方按钮在 Telegram 内打开。"
)
WEB_OPEN_BUTTON = "在浏览器中登录"
WEB_APP_BUTTON = "在 Telegram 内打开工作台"

# --- the petition lifecycle (reception.petition.states, reception.handling.lifecycle) ----
STATUS_LABELS = {
    "submitted": "待受理",
    "claimed": "办理中",
    "waiting": "待居民补充",
    "reopened": "重新办理",
    "resolved": "已办结（待评价）",
    "closed": "已办结",
    "rejected": "已驳回",
    "merged": "已合并",
    "cancelled": "已撤回",
}
# Why an action is refused, in words a resident or staff member understands.
REFUSALS = {
    "claim": "该诉求当前状态为「{label}」，无法认领。",
    "cancel": "该诉求已有工作人员处理（{label}），无法撤回；如有疑问请直接留言。",
    "rate": "该诉求当前状态为「{label}」，暂不能评价。",
    "reopen": "该诉求当前状态为「{label}」，无法重新办理。",
}
REFUSAL_DEFAULT = "该诉求当前状态为「{label}」，不能进行此操作。"
SYSTEM_ACTOR = "系统"
MERGED_INTO_NOTE = "合并重复诉求 {number}"
WALKIN_NOTE = "{name} 登记"
# The desk: a walk-in starting with one of these is a phone call; where a petition went.
WALKIN_PHONE_PREFIXES = ("电话", "来电")
REASSIGN_TARGET_CATEGORY = "「{category}」分类"
REASSIGN_TARGET_GROUP = "「{title}」"
ADDRESS_NOT_GIVEN = "未登记"
CLAUSE_BREAK = "，"  # a prompt's first clause is the button's short answer
MEDIA_CAPTION = "{number} 的附件"  # a resident's photo or file forwarded to the group

# --- what a petition looks like (reception.petition.cards) ------------------------------
# Timeline labels, by event action (reception.petition.states.Action and .events.Note).
EVENT_LABELS = {
    "submit": "提交诉求", "append": "补充内容", "claim": "认领", "reply": "回复居民",
    "ask": "请居民补充", "answer": "居民补充", "reassign": "转派", "resolve": "办结",
    "reject": "驳回", "merge": "合并", "cancel": "居民撤回", "rate": "居民评价",
    "reopen": "重新办理", "mark_complex": "标记为复杂诉求", "remind": "临期提醒",
    "overdue": "超期督办", "escalate": "升级督办", "walkin": "登记来访",
    "view_contact": "查看居民联系方式（网页工作台）", "calendar": "节假日安排更新",
    "edit": "居民修改",  # reception.handling.edits
    "alert": "紧急提醒",
}
MEDIA_LABELS = {"photo": "图片", "voice": "语音", "location": "位置", "document": "文件",
                "video": "视频", "contact": "名片"}
TIME_SHORT = "{month}月{day}日 {hour_minute}"
VISITOR = "来访群众"
RESIDENT = "居民"
RESIDENT_MASKED = "{label}（尾号{last4}）"
CARD_URGENT = " · 🔴<b>紧急</b>"
CARD_COMPLEX = " · 复杂"
CARD_CHANNELS = {"walkin": " · 来访登记", "phone": " · 电话登记"}
CARD_HEAD = "📋 <b>{number}</b> · {category}{marks}"
CARD_STATUS = "状态：<b>{label}</b>　处理人：{handler}"
CARD_OVERDUE = "　⏰<b>已超期</b>"
CARD_PLACE = "地点：{community}"
CARD_RESIDENT = "居民：{resident}"
CARD_TEXT_CUT = "…（全文共 {length} 字，/show {number}）"
CARD_TEXT = "内容：{text}"
NO_TEXT = "（无文字）"
CARD_MEDIA = "附件："
LIST_SEPARATOR = "、"
CARD_URGENT_WORDS = "紧急依据："
CARD_RESPOND_DUE = "响应时限：{due}"
CARD_RESPONDED = "（已于 {at} 响应）"
CARD_RESOLVE_DUE = "\n办结时限：{due}{provisional}"
CARD_PAUSED = "⏸ 等待居民补充（{at} 起暂停计时）"
CARD_FOR_SUPERVISORS = "（本卡片仅供督办查看，由责任工作群办理）"
CARD_LADDER_STEPS = {1: "已临期提醒", 2: "已超期，报街道督办", 3: "已升级区级督办"}
CARD_LADDER_RESPOND = "响应{step}"
CARD_LADDER_RESOLVE = "办结{step}"
CARD_LADDER = "督办：{steps}"
CARD_LADDER_SEPARATOR = "；"
CARD_EXPLANATION = "分类依据：关键词 {words}；置信度 {confidence:.2f}"
CARD_NO_KEYWORDS = "无"
CARD_RUNNER_UP = "；次选 {category}"
CARD_IN_TRIAGE = "（置信度低，待分诊）"
CARD_RESULT = "办理结果：{result}"
CARD_REJECT_REASON = "驳回原因：{reason}"
CARD_RATING = "居民评价：{rating}"
CARD_REOPENED = "重新办理：{count} 次"
CARD_MERGED_INTO = "已合并到：{number}"
CARD_FOLLOWERS = "合并的重复诉求："
STATUS_HEAD = "诉求 <b>{number}</b>（{category}）"
STATUS_LINE = "状态：<b>{label}</b>"
STATUS_SUBMITTED_AT = "提交时间：{at}"
STATUS_PROMISES = "承诺响应：{respond} 前　承诺办结：{resolve} 前"
TIMELINE_HEAD = "办理记录："
TIMELINE_LINE = "· {at} {label}{note}"
TIMELINE_NOTE = "：{text}"
LIST_LINE = "{flags}<b>{number}</b> {category} · {label} · 办结时限 {due}\n　{summary}"
SEE_PHOTO = "（见图片）"  # a staff reply that is a photo without a caption

# --- stray messages, edits, forwards, long texts (reception.handling.strays / edits) ---------
# A message with nothing to act on yet (emoji, a sticker, a lone photo, voice note or location)
# is held as a draft; the resident's next words turn it into a petition with it attached.
STRAY_ASK = (
    "收到您的{what}。请用一句话说明需要我们帮什么忙（例如：3号楼2单元楼道灯坏了），"
    "我们收到文字说明后立即登记，您刚才发送的{what}会一并附上。"
)
STRAY_ASK_WORDS = "请用一句话说明需要我们帮什么忙（例如：3号楼2单元楼道灯坏了），我们收到文字说明后立即为您登记。"
STRAY_ASK_AGAIN = "{what}已收到。请用一句话说明需要我们帮什么忙，收到文字说明后立即为您登记。"
STRAY_WHAT = {"text": "消息", "photo": "图片", "voice": "语音", "location": "位置", "document": "文件",
              "video": "视频", "sticker": "表情"}
STRAY_ATTACHED = "\n已附上您之前发送的 {count} 项内容（{what}）。"
EDITED_TO_RESIDENT = "✏️ 已按您的修改更新诉求 <b>{number}</b>，工作人员会看到修改后的内容。"
EDITED_CLOSED_TO_RESIDENT = (
    "诉求 <b>{number}</b> 当前状态为「{label}」，您的修改已记录，但不会重新办理。"
    "如问题仍未解决，请直接发送新的诉求。"
)
RESIDENT_EDITED = "✏️ 居民修改了 {number} 的内容：\n{text}"
CARD_EDITED_MARK = "✏️ 居民已修改（{at}）"
CARD_FORWARDED = "↪️ 转发自：{origin}（原消息 {at}）"
FORWARD_KINDS = {"user": "", "hidden_user": "", "chat": "群 ", "channel": "频道 "}
SHOW_FULL_TEXT = "📄 {number} 全文（共 {length} 字）：\n{text}"
SHOW_FULL_TEXT_NOTE = "（内容较长，全文见下方消息）"
CANCEL_ALREADY = "诉求 <b>{number}</b> 已经撤回，无需再次操作。如有需要，欢迎重新提交。"
STRAY_ASK_VOICE = (
    "收到您的语音。请用一句话文字说明需要我们帮什么忙；不方便打字的话，"
    "点下方按钮直接提交这条语音，工作人员会收听后与您联系。"
)
STRAY_SUBMIT_BUTTON = "就这样提交语音"
STRAY_NOTHING_HELD = "没有待提交的内容，您的留言可能已经登记。发送 /my 查看您的诉求。"
TIMELINE_EDIT = "：{before} → {after}{closed}"
TIMELINE_EDIT_CLOSED = "（诉求已结束，仅记录）"
TIMELINE_FORWARDED = "（转发自 {origin}）"

# --- emergencies: the resident's first reply and the alerts (reception.handling.emergency) ---
# The calls to make come first, then what the office does; no "我们会尽快处理".
SAFETY_HEADER = "🆘 <b>如有危险，请先保证人身安全：</b>"
SAFETY_ADVICE = "· {advice}"
SAFETY_CALL_HEADER = "📞 <b>请立即拨打：</b>"
SAFETY_CALL = "{label} <b>{number}</b>"
SAFETY_CALL_SEPARATOR = "　"
CONFIRM_URGENT = (
    "\n\n🚨 <b>紧急诉求已受理</b>，编号：<b>{number}</b>\n"
    "我们已同时通知社区工作群、{duty}和街道督办。工作人员最迟 {respond_by} 前与您联系"
    "（{limit}内），无人认领时每 {repeat} 分钟再次提醒，直到有人处置。\n"
    "请保持电话畅通；有新情况直接发消息给我，会并入本诉求。"
)
CONFIRM_URGENT_ONCE = (
    "\n\n🚨 <b>紧急诉求已受理</b>，编号：<b>{number}</b>\n"
    "我们已同时通知社区工作群、{duty}和街道督办。工作人员最迟 {respond_by} 前与您联系"
    "（{limit}内）。\n请保持电话畅通；有新情况直接发消息给我，会并入本诉求。"
)
URGENT_DUTY_STAFF = "社区值班人员"
URGENT_ALERT_GROUP = (
    "🚨🚨 <b>紧急诉求，请立即认领处置</b>：<b>{number}</b>（{hazard}）\n"
    "{summary}\n地址：{address}\n"
    "已提示居民：{calls}\n响应时限 {due}。{duty}"
)
URGENT_ALERT_REPEAT = (
    "🚨 <b>紧急诉求仍无人认领</b>（第 {count} 次提醒）：<b>{number}</b>（{hazard}），"
    "已过去 {minutes} 分钟。\n{summary}\n响应时限 {due}。{duty}"
)
URGENT_ALERT_SUPERVISORS = (
    "🚨🚨 <b>紧急诉求</b>：{community}诉求 <b>{number}</b>（{hazard}），已通知社区处置。\n"
    "{summary}\n响应时限 {due}，超时未认领将报街道督办。"
)
URGENT_ALERT_DUTY = (
    "🚨 <b>紧急诉求</b>：{community}诉求 <b>{number}</b>（{hazard}）\n{summary}\n"
    "地址：{address}\n请立即在社区工作群认领处置，响应时限 {due}。"
)
URGENT_DUTY_MENTION = "\n值班：{names}"
URGENT_NO_ADDRESS = "未提供（请联系居民确认）"
URGENT_ALERT_EVENT = "第 {count} 次，通知 {groups} 个工作群、{people} 名值班人员"
# A routine petition received at night, at the weekend or on a holiday.
CONFIRM_AFTER_HOURS = (
    "\n\n🌙 现在是非工作时间，办理时限从 {opens} 起按工作时间计算。"
    "如遇燃气泄漏、火情、有人受伤等危险，请直接拨打{calls}，并发消息告诉我们。"
)

# --- call-backs, 回访 (reception.handling.callbacks) -----------------------------------------
CALLBACK_BUTTONS = (("满意", "satisfied"), ("基本满意", "basic"), ("不满意", "unsatisfied"),
                    ("联系不上", "unreachable"))
CALLBACK_LABELS = {code: label for label, code in CALLBACK_BUTTONS}
CALLBACK_REASONS = {"unrated": "居民未评价", "sample": "抽样回访"}
EVENT_LABELS.update({"call_back": "回访", "callback_due": "列入回访"})
REFUSALS.update({"call_back": "该诉求当前状态为「{label}」，不在回访范围（仅已办结的诉求可回访）。"})
CALLBACK_DUE_NOTE = "{reason}，{days} 天后列入回访"
CALLBACK_EMPTY = "目前没有待回访的诉求。"
CALLBACK_HEADER = "📞 <b>待回访诉求 {count} 件</b>（请点选回访结果，或发送 /callback 编号 结果 备注）"
CALLBACK_ITEM = (
    "📞 <b>{number}</b> · {category} · {reason}\n办结：{resolved}　处理人：{handler}\n"
    "居民：{resident}　地点：{place}\n办理结果：{result}"
)
CALLBACK_CONTACTS_HEADER = "📞 回访联系方式（仅您可见，请勿转发）："
CALLBACK_CONTACT_LINE = "{number}：{name} {phone}　{address}"
CALLBACK_NOT_CALLER = "您不是该社区的回访员，不能记录回访结果。回访员名单在组织配置（org.toml 的 callers）中设定。"
CALLBACK_NOT_ANY_CALLER = "您不是回访员，没有回访任务。回访员名单在组织配置（org.toml 的 callers）中设定。"
CALLBACK_OWN_PETITION = "诉求 {number} 由您办理，回访须由其他工作人员进行。"
CALLBACK_NOT_LISTED = "诉求 {number} 不在待回访名单中（尚未到回访时间，或已回访）。"
CALLBACK_ALREADY = "诉求 {number} 已回访（{outcome}），无需重复记录。"
CALLBACK_USAGE = (
    "用法：/callback 编号 结果 [备注]，结果为 满意、基本满意、不满意 或 联系不上。\n"
    "例如：/callback MY-20261123-0001 不满意 漏水仍未修好"
)
CALLBACK_RECORDED = "已记录 {number} 的回访结果：{outcome}。"
CALLBACK_REOPENED = "已记录 {number} 的回访结果：不满意，诉求已重新交办。"
CALLBACK_REOPENED_TO_RESIDENT = (
    "感谢您接受回访。诉求 <b>{number}</b> 已按您反映的情况重新交办，工作人员会再次联系您。"
)
CALLBACK_REOPENED_GROUP = "📞 回访不满意，{number} 已重新办理。回访员：{caller}{note}"
CALLBACK_NOTE_SUFFIX = "（{note}）"
CALLBACK_DUE_TO_CALLER = "📞 您有 {count} 件已办结诉求待回访，发送 /callbacks 查看。"
CARD_CALLBACK = "回访结果：{outcome}"
STAFF_HELP_CALLBACKS = "\n回访员：/callbacks 待回访　/callback 编号 结果 备注"
STAFF_HELP += STAFF_HELP_CALLBACKS
STAFF_HELP_PRIVATE += STAFF_HELP_CALLBACKS

# --- the knowledge base and reply templates (reception.handling.knowledge) -------------------
KNOWLEDGE_ANSWER = (
    "💡 <b>{title}</b>\n{answer}\n\n"
    "以上答复能解决您的问题吗？如仍需工作人员处理，请点「仍需人工处理」，我们会登记为诉求并按时限办理。"
)
KNOWLEDGE_FILE_BUTTON = "仍需人工处理"
KNOWLEDGE_DONE_BUTTON = "已解决"
KNOWLEDGE_SOLVED = "很高兴帮到您！如有其他问题，随时给我发消息。"
KNOWLEDGE_ALREADY = "这条咨询已经处理过了。如有新的问题，请直接发消息。"
KNOWLEDGE_NOT_YOURS = "这是其他居民的咨询，您无法操作。"
KNOWLEDGE_NOTE = "居民先收到知识库答复「{title}」，选择仍需人工处理"
EVENT_LABELS.update({"knowledge": "知识库答复后转人工"})
TEMPLATE_LIST_HEADER = "📝 <b>常用答复模板</b>（回复诉求卡片并发送 /tpl 名称 即可发给居民）："
TEMPLATE_LIST_LINE = "· <b>{name}</b>：{text}"
TEMPLATE_NONE = "还没有答复模板，请在知识库文件（answers.toml 的 [templates]）中添加。"
TEMPLATE_UNKNOWN = "没有名为「{name}」的模板。可用模板：{names}"
TEMPLATE_NOT_A_REPLY = "请回复（引用）一张诉求卡片，再发送 /tpl {name}，模板内容会作为答复发给居民。"
STAFF_HELP_TEMPLATES = "\n答复模板：/tpl 列表　回复卡片 /tpl 名称 发送模板"
STAFF_HELP += STAFF_HELP_TEMPLATES
STAFF_HELP_PRIVATE += STAFF_HELP_TEMPLATES

# --- 民情日记: home visits (reception.handling.visits) ---------------------------------------
VISIT_USAGE = (
    "用法：/visit 户号 走访内容 [问题:发现的问题]\n"
    "例如：/visit 3号楼2单元501 看望独居老人李奶奶，身体尚好\n"
    "　　　/visit 5号楼1单元302 入户走访 问题:楼道灯不亮，老人夜里不敢出门"
)
VISIT_NEEDS_COMMUNITY = "请在社区工作群中登记走访，或由社区工作人员在私聊中登记。"
VISIT_PROBLEM_MARKERS = ("问题:", "问题：")
VISIT_HALF_DAYS = {"am": "上午", "pm": "下午"}
VISIT_LOGGED = (
    "🏠 已记录走访：{household}（{day}{half}）\n"
    "本周：{half_days}/{norm_half_days} 个半天，{households}/{norm_households} 户{met}"
)
VISIT_MET = "，已达标 ✅"
VISIT_PETITION = "\n发现的问题已登记为诉求 <b>{number}</b>（渠道：走访）。"
VISIT_FILE_BUTTON = "将走访内容登记为诉求"
VISIT_ALREADY = "这条走访已经记录。"
VISIT_ALREADY_FILED = "这次走访已登记为诉求 {number}。"
VISIT_NOT_YOURS = "只有登记这次走访的工作人员可以把它登记为诉求。"
VISIT_FILED = "已将走访内容登记为诉求 {number}。"
VISIT_NOTE = "{name} 入户走访（{household}）时发现"
VISIT_WEEK_HEADER = (
    "🏠 <b>{name} 本周民情日记</b>（{start}—{end}）\n"
    "{half_days}/{norm_half_days} 个半天，{households}/{norm_households} 户{met}"
)
VISIT_WEEK_LINE = "· {at} {household}：{content}{petition}"
VISIT_WEEK_PETITION = "（诉求 {number}）"
VISIT_WEEK_EMPTY = "本周还没有走访记录。用 /visit 户号 走访内容 登记。"
EVENT_LABELS.update({"visit": "走访发现"})
CARD_CHANNELS["visit"] = " · 走访发现"
STAFF_HELP_VISITS = "\n民情日记：/visit 户号 内容 [问题:…]　/visits 本周走访"
STAFF_HELP += STAFF_HELP_VISITS
STAFF_HELP_PRIVATE += STAFF_HELP_VISITS
EVENT_LABELS.update({"topic": "列入每月一题"})
STAFF_HELP_MONTHLY = "\n每月一题：/monthly [YYYY-MM] 月报　/topic 跟踪　/topic pick 序号"
STAFF_HELP += STAFF_HELP_MONTHLY
STAFF_HELP_PRIVATE += STAFF_HELP_MONTHLY
CALLBACK_NO_PHONE = "未留电话（无法电话回访时请记录为「联系不上」）"
CALLBACK_NOTE_PROMPT = (
    "📝 {number} 的回访结果已记录。如需备注（居民原话、问题所在），请在本聊天直接发送一句话；/skip 跳过。"
)
CALLBACK_NOTE_SAVED = "已保存 {number} 的回访备注。"
EVENT_LABELS.update({"callback_note": "回访备注"})
# --- urgency judged again: a follow-up's danger words, staff's /urgent and /noturgent -------
# (reception.handling.urgency)
URGENT_UPGRADED_TO_RESIDENT = (
    "\n\n🚨 <b>已按紧急诉求处理</b>：诉求 <b>{number}</b>\n"
    "根据您刚补充的情况，我们已同时通知社区工作群、社区值班人员和街道督办，"
    "工作人员最迟 {respond_by} 前与您联系。请保持电话畅通，有新情况直接发消息给我。"
)
URGENT_BY_STAFF = "{name}标为紧急"
URGENT_ALREADY = "诉求 {number} 已是紧急诉求。"
URGENT_MARKED = "🔴 已将 {number} 标为紧急诉求，已通知工作群、值班人员和街道督办。{due}"
URGENT_MARKED_TO_RESIDENT = (
    "🚨 您的诉求 <b>{number}</b> 已由工作人员列为紧急诉求，最迟 {respond_by} 前与您联系。"
    "如有危险，请先保证人身安全，必要时拨打 119/120/110。"
)
URGENT_MARKED_TO_RESIDENT_HANDLED = "🚨 您的诉求 <b>{number}</b> 已由工作人员列为紧急诉求，将加快办理。"
URGENT_USAGE = "用法：/urgent 诉求编号"
NOTURGENT_USAGE = "用法：/noturgent 诉求编号 理由（例如：/noturgent 编号 已电话核实，无燃气泄漏）"
NOTURGENT_ALREADY = "诉求 {number} 不是紧急诉求，无需调整。"
NOTURGENT_MARKED = "已将 {number} 改为非紧急（理由：{reason}），时限按常规重新计算。{due}"
URGENCY_DUES = "响应时限 {respond}，办结时限 {resolve}。"
URGENCY_DUE_RESOLVE = "办结时限 {resolve}。"
CARD_MARK_URGENT = "🔴 标为紧急"
EVENT_LABELS["mark_urgent"] = "标为紧急"
EVENT_LABELS["mark_routine"] = "改为非紧急"
REFUSALS["mark_urgent"] = REFUSALS["mark_routine"] = "该诉求当前状态为「{label}」，不能调整紧急程度。"
STAFF_HELP += "\n/urgent 编号 标为紧急　/noturgent 编号 理由 改为非紧急　/duty 值班"
STAFF_HELP_PRIVATE += "\n/urgent 编号 标为紧急　/noturgent 编号 理由　/duty 值班安排"

# --- the duty roster: /duty (reception.handling.roster) ----------------------------------
DUTY_DAY = "{month}月{day}日"
DUTY_HEADER = "🗓 <b>{community}</b> {day} 值班："
DUTY_STANDING = "（固定值班）"
DUTY_NOBODY = "今天还没有登记值班人员，紧急诉求将通知社区管理员：{admins}"
DUTY_LATER = "{day}：{names}"
DUTY_HINT = "登记：/duty on（本人今天值班）　/duty off　管理员：/duty @姓名 日期"
DUTY_ON = "✅ 已登记 {name} {day} 值班，紧急诉求会点名通知。"
DUTY_OFF = "已取消 {name} {day} 的值班登记。"
DUTY_BAD_DATE = "看不懂日期“{text}”。可以写：今天、明天、12月5日 或 2026-12-05。"
DUTY_PAST = "不能登记已经过去的日期。"
DUTY_ADMIN_ONLY = "抱歉，只有社区管理员可以为其他人登记值班；登记本人请发 /duty on。"
DUTY_UNKNOWN_STAFF = "本社区没有名为“{name}”的工作人员（请写工作人员登记的姓名，如 /duty @张网格员 明天）。"
DUTY_ONE_COMMUNITY = "请在社区工作群中使用 /duty（您负责多个社区，私聊时无法确定是哪个社区）。"
DUTY_USAGE = "用法：/duty 查看值班　/duty on 本人值班　/duty off　/duty @姓名 日期"

# --- stray drafts nobody explained (reception.handling.strays.expire) ---------------------
STRAY_EXPIRED_FILED = "您之前发来的语音一直没有补充文字说明，我们已直接登记为诉求，工作人员会收听后与您联系。"
STRAY_EXPIRED_CLOSED = (
    "您之前发来的{what}我们已经保存，但一直没有收到需要帮忙的说明，这次就先不登记为诉求了。"
    "如有需要，随时用一句话告诉我们，例如“5号楼楼道灯坏了”。"
)

# --- an edit classified again (reception.handling.edits) ---------------------------------
EDIT_RECLASSIFIED = "居民修改后重新分类：{before} → {after}{moved}"
EDIT_RECLASSIFIED_MOVED = "，转至 {title}"
EDIT_REROUTED_AWAY = "↪️ 诉求 <b>{number}</b> 经居民修改后已转至更合适的工作群办理，本群无需处理。"
EVENT_LABELS["reclassify"] = "重新分类"
DUTY_COMMUNITY_STAFF_ONLY = "值班表只登记社区工作人员；街道、区的同志请在督办群关注紧急提醒。"
CARD_MARK_ROUTINE = "取消紧急"
NOTURGENT_PROMPT = "请 {name} 直接发送 {number} 改为非紧急的理由（会记入办理记录），发送 /skip 取消。"
# --- 退单, referrals to departments, 延期申请 (reception.handling.returns, referrals, extensions) ---
EVENT_LABELS.update({
    "return": "退单（派单异议）", "uphold": "退单裁定：维持原派", "overturn": "退单裁定：改派",
    "refer": "转交部门", "referral_done": "部门办结", "department_reply": "部门回复",
    "referral_remind": "转交临期提醒", "referral_overdue": "转交超期",
    "return_late": "退单裁定超时提醒",
    "extend": "申请延期", "extend_approve": "延期获批", "extend_refuse": "延期未获批准",
})
REFUSALS.update({
    "return": "该诉求当前状态为「{label}」，不能退单。",
    "extend": "该诉求当前状态为「{label}」，不能申请延期（等待居民补充时计时已暂停）。",
    "refer": "该诉求当前状态为「{label}」，不能转交部门。",
})
RETURN_USAGE = (
    "用法：/return 编号 退单理由\n例如：/return MY-20261123-0007 不属于本社区，应为青年社区\n"
    "理由写明：不属于本社区 / 分类有误 / 属于供电、燃气、城管等部门职责。"
)
RETURN_REASON_KINDS = {"community": "非本社区", "category": "分类有误", "department": "属部门职责",
                       "other": "其他"}
# Words that say which kind of return it is (checked in this order).
RETURN_REASON_WORDS = {
    "department": ("部门", "公司", "派出所", "城管", "供电", "燃气", "自来水", "供水", "物业公司"),
    "community": ("社区", "辖区", "小区不归"),
    "category": ("分类", "类别", "不归我们", "不是我们", "派错"),
}
RETURN_NOT_YOURS = "只有承办该诉求的工作群（或其处理人）可以退单。"
RETURN_PENDING = "诉求 <b>{number}</b> 已有退单等待裁定，请等待分诊或街道裁定。"
RETURN_NO_DISPATCHER = "没有可裁定退单的分诊群或街道督办群，请联系管理员绑定（/bind 街道代码）。"
RETURN_OK = "已退单 <b>{number}</b>（{kind}），等待{dispatcher}在 {due} 前裁定。居民的办理时限照常计算。"
RETURN_DISPATCHER_TRIAGE = "分诊群"
RETURN_DISPATCHER_STREET = "街道督办"
RETURN_TO_DISPATCHER = (
    "↩️ <b>退单待裁定</b>：<b>{number}</b>（{category}，{community}）\n"
    "退单：{group}　{name}\n理由（{kind}）：{reason}\n"
    "请在 {due} 前裁定：维持原派，或改派到下列工作群、分类或社区。居民的办理时限照常计算。"
)
RETURN_UPHOLD_BUTTON = "✅ 维持原派"
RETURN_TO_GROUP_BUTTON = "改派→{title}"
RETURN_TO_COMMUNITY_BUTTON = "改派→{name}"
RETURN_NOT_DISPATCHER = "只有分诊群或街道督办人员可以裁定退单，退单人不能裁定自己的退单。"
RETURN_NOTHING_PENDING = "诉求 <b>{number}</b> 没有待裁定的退单（可能已由他人裁定）。"
RETURN_UPHELD = "已裁定 <b>{number}</b>：维持原派，退回{group}继续办理。"
RETURN_UPHELD_TO_GROUP = (
    "↩️ 退单裁定：<b>{number}</b> 维持原派，由本群继续办理（裁定人：{name}）。"
    "办理时限不变：{due}。"
)
RETURN_OVERTURNED = "已裁定 <b>{number}</b>：改派到{target}。"
RETURN_OVERTURNED_TO_GROUP = "↩️ 退单裁定：<b>{number}</b> 已改派到{target}（裁定人：{name}），本群无需继续办理。"
RETURN_TARGET_COMMUNITY = "{name}"
RETURN_LATE_TO_DISPATCHER = (
    "⏰ <b>退单裁定已超时</b>：<b>{number}</b>，应于 {due} 前裁定。请尽快在上方消息中维持原派或改派，"
    "居民的办理时限仍在计算。"
)
CARD_RETURN_PENDING = "↩️ 退单待裁定（{kind}）：{reason}"

REFER_USAGE = (
    "用法：/refer 编号 部门 说明\n例如：/refer MY-20261123-0007 供电公司 小区3号楼停电，需供电抢修\n"
    "可转交的部门：{departments}"
)
REFER_NO_DEPARTMENTS = "（org.toml 中尚未登记部门）"
REFER_UNKNOWN = "没有名为「{name}」的部门。可转交的部门：{departments}"
REFER_ALREADY = "诉求 <b>{number}</b> 已转交{department}，正在跟踪办理中。"
REFER_OK_GROUP = "已转交 <b>{number}</b> 到{department}（已发到该部门工作群），部门办理时限 {due}。"
REFER_OK_SHEET = (
    "已转交 <b>{number}</b> 到{department}，部门办理时限 {due}。"
    "转办单见下方文件，请通过邮件或纸质送达（联系方式：{contact}）。部门反馈办结后发送 /refdone 编号 办理情况。"
)
REFERRED_TO_RESIDENT = (
    "您的诉求 <b>{number}</b> 已转交 {department}，跟踪办理中。社区会持续跟进，"
    "部门办理结果会及时告诉您。"
)
REFERRAL_CARD = (
    "📨 <b>{office}转办</b>：<b>{number}</b>（{category}）\n"
    "来自：{community}　承办人：{handler}\n"
    "内容：{text}\n说明：{note}\n请于 {due} 前办理并反馈。回复本消息即可把情况告诉社区；"
    "办理完毕请点「已办结」。"
)
REFERRAL_DONE_BUTTON = "✅ 已办结"
REFERRAL_SHEET = (
    "{office}转办单\n"
    "==============================\n"
    "编号：{number}\n转交部门：{department}（{kind}）\n部门联系方式：{contact}\n"
    "转交时间：{at}\n办理时限：{due}\n"
    "来自：{community}（{address}）\n诉求分类：{category}\n诉求地点：{place}\n"
    "诉求内容：\n{text}\n\n转交说明：{note}\n"
    "承办人：{handler}（居民联系方式由承办人另行提供）\n"
    "==============================\n"
    "办理情况（请部门填写后回复社区）：\n\n\n办理人：　　　　　　办结日期：\n"
)
REFERRAL_SHEET_CAPTION = "{number} 转办单（{department}）"
REFERRAL_DONE_OK = "已记录：{department}办结 <b>{number}</b>。社区将核实后答复居民。"
REFERRAL_DONE_ALREADY = "{department}已于 {at} 反馈办结 <b>{number}</b>。"
REFERRAL_NOT_THIS_DEPARTMENT = "这条转办不属于本部门。"
REFERRAL_DONE_TO_GROUP = (
    "📨 <b>{department}反馈办结</b>：<b>{number}</b>\n{note}\n请核实后办结：/resolve {number} 办理结果"
)
REFERRAL_DONE_DEFAULT_NOTE = "（部门已点「已办结」）"
REFERRAL_REPLY_TO_GROUP = "📨 <b>{department}回复</b> <b>{number}</b>（{name}）：\n{text}"
REFERRAL_REPLY_OK = "已转告社区承办人。"
REFERRAL_REPLY_NO_NUMBER = "请回复带有诉求编号的转办消息，社区才能知道是哪一件。"
REFERRAL_NONE_OPEN = "诉求 <b>{number}</b> 没有正在办理的转交。"
REFDONE_USAGE = "用法：/refdone 编号 部门反馈的办理情况\n例如：/refdone MY-20261123-0007 供电公司已抢修恢复供电"
REFERRAL_REMIND = (
    "⏰ <b>转交临期提醒</b>：<b>{number}</b> 转交{department}，部门办理时限 {due}，尚未反馈办结，请跟进。"
)
REFERRAL_OVERDUE = (
    "⏰ <b>转交已超期</b>：<b>{number}</b> 转交{department}，应于 {due} 前办结，部门仍未反馈，"
    "请联系部门催办（{contact}）。"
)
CARD_REFERRAL = "📨 转交：{department}（部门时限 {due}）"
CARD_REFERRAL_DONE = "📨 转交：{department}（{at} 反馈办结）"
STATUS_REFERRAL = "已转交 {department}，跟踪办理中"
STATUS_REFERRAL_DONE = "{department}已反馈办结，社区正在核实"

EXTEND_USAGE = (
    "用法：/extend 编号 工作日数 理由\n例如：/extend MY-20261123-0007 5 需等待物业维修基金审批\n"
    "每次最多 {max_days} 个工作日，须在办结时限前申请。"
)
EXTEND_BAD_DAYS = "延期天数须是 1 到 {max_days} 之间的整数（工作日）。"
EXTEND_NOT_HANDLER = "只有该诉求的处理人可以申请延期，请先认领。"
EXTEND_TOO_LATE = "诉求 <b>{number}</b> 的办结时限 {due} 已过，不能再申请延期。"
EXTEND_PENDING = "诉求 <b>{number}</b> 已有延期申请等待审批。"
EXTEND_NO_APPROVER = "没有可审批延期的工作群（{approver}），请联系管理员绑定。"
EXTEND_APPROVERS = {"street": "街道督办", "community": "社区负责人"}
EXTEND_OK = "已提交 <b>{number}</b> 延期申请：{days} 个工作日，等待{approver}审批。审批前办结时限仍为 {due}。"
EXTEND_TO_APPROVER = (
    "🕒 <b>延期申请</b>：<b>{number}</b>（{category}，{community}）\n"
    "申请人：{name}　延长 {days} 个工作日\n理由：{reason}\n"
    "现办结时限：{due}　批准后：{new_due}"
)
EXTEND_APPROVE_BUTTON = "✅ 批准延期"
EXTEND_REFUSE_BUTTON = "❌ 不批准"
EXTEND_NOT_APPROVER = "只有{approver}可以审批延期，申请人不能审批自己的申请。"
EXTEND_ALREADY_DECIDED = "这份延期申请已经审批过了。"
EXTEND_APPROVED = "已批准 <b>{number}</b> 延期 {days} 个工作日，新的办结时限：{due}。"
EXTEND_APPROVED_TO_GROUP = (
    "🕒 <b>{number}</b> 延期获批（{name}）：延长 {days} 个工作日，新的办结时限 {due}。"
)
EXTEND_APPROVED_TO_RESIDENT = (
    "您的诉求 <b>{number}</b> 因{reason}，经审批延长办理 {days} 个工作日，"
    "新的办结时限为 {due}。给您带来不便，敬请谅解。"
)
EXTEND_REFUSED = "已不批准 <b>{number}</b> 的延期申请，办结时限仍为 {due}。"
EXTEND_REFUSED_TO_GROUP = "🕒 <b>{number}</b> 延期未获批准（{name}），请按原时限 {due} 办结。"
CARD_EXTENSION_PENDING = "🕒 延期申请待审批：{days} 个工作日"
CARD_EXTENDED = "🕒 已延期 {days} 个工作日（{count} 次）"
PRACTICE_HELP = (
    "\n/return 编号 理由 退单（派单异议）\n/refer 编号 部门 说明 转交部门　/refdone 编号 情况 部门已办结\n"
    "/extend 编号 天数 理由 申请延期"
)
STAFF_HELP = STAFF_HELP + PRACTICE_HELP
STAFF_HELP_PRIVATE = STAFF_HELP_PRIVATE + PRACTICE_HELP
CARD_RETURN = "退单"
PROMPT_RETURN = (
    "请 {name} 直接发送退回 {number} 的理由（不属于本社区 / 分类有误 / 属于供电、燃气、城管等部门职责），"
    "发送 /skip 取消。"
)
EXTEND_NONE_PENDING = "这件诉求没有待审批的延期申请。"
EXTEND_TIMELINE = "延长 {days} 个工作日，办结时限 {due}"
