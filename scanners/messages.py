"""User-facing messages in Chinese and English (GLOSSARY.md's terms), shown side by side.

A desk clerk may read either language; both are printed so that no setting has to be
right before the first handover. Keys are stable; tests assert on them, not on wording.
"""

from __future__ import annotations

BELL = "\a"

_MESSAGES: dict[str, tuple[str, str]] = {
    "bad_code": ("条码无效（{reason_zh}）：{detail}", "Bad code: {detail}"),
    "bad_check_character": (
        "校验位错误，请重新扫描：{code}",
        "Wrong check character, scan again: {code}",
    ),
    "wrong_kind": (
        "此处需要{want}条码，扫描到的是：{code}",
        "A {want_en} code is needed here, got: {code}",
    ),
    "unreadable": ("无法识别的扫描内容：{raw}", "Unreadable scan: {raw}"),
    "repeat": ("重复扫描，已忽略：{code}", "Same code again, ignored: {code}"),
    "queued": (
        "已登记 {n} 条扫描记录，待上传",
        "{n} scan(s) written to the spool, waiting to be sent",
    ),
    "refused": (
        "服务器拒绝：{carrier} {action} — {code}：{message}",
        "Refused by the server: {carrier} {action} — {code}: {message}",
    ),
    "unreachable": (
        "无法连接服务器 {server}：{detail}；{n} 条待上传",
        "Server {server} unreachable: {detail}; {n} waiting",
    ),
    "auth": (
        "服务器拒绝了设备令牌（{status}）：{detail}",
        "The server refused the token ({status}): {detail}",
    ),
    "audited": (
        "回执核验：{checked} 条，{held} 条仍在台账中",
        "Receipts audited: {checked}, {held} still held by the ledger",
    ),
    "no_token": ("未配置设备令牌（CUSTOS_TOKEN）", "No device token configured (CUSTOS_TOKEN)"),
    "synced": (
        "已上传：新记录 {recorded}，重复 {duplicate}，拒绝 {refused}；待上传 {waiting}",
        "Sent: {recorded} recorded, {duplicate} duplicate, {refused} refused; {waiting} waiting",
    ),
    "progress": (
        "上传中 {done}/{total}（{rate:.0f} 条/秒）",
        "syncing {done}/{total} ({rate:.0f} scans/s)",
    ),
    "busy": ("另一个上传进程正在运行", "Another sender is already running on this spool"),
    "scan_badge": ("请扫描您的工作证（P 开头）", "Scan your own badge (P…)"),
    "choose_action": ("请选择操作（编号或名称）", "Choose an action (number or name)"),
    "scan_carriers": ("请扫描载体（C 开头），扫描完按回车", "Scan carriers (C…), Enter when done"),
    "scan_counterpart": (
        "请扫描接收人/监销人工作证（P 开头）",
        "Scan the receiver's / witness's badge (P…)",
    ),
    "confirm": (
        "确认 {action}：{n} 件载体{who}？[Y/n]",
        "Confirm {action_en}: {n} carrier(s){who_en}? [Y/n]",
    ),
    "scan_host": (
        "请先扫描要安装存储介质的计算机或设备（C 开头）",
        "Scan the computer or device the storage goes into (C…)",
    ),
    "host_set": ("安装到：{code}", "Into the device {code}"),
    "cancelled": ("已取消", "Cancelled"),
    "no_carriers": ("未扫描任何载体", "No carrier scanned"),
    "location_set": ("地点已设为 {code}", "Location set to {code}"),
    "actor_set": ("操作人：{code}", "Scanning as {code}"),
    "unknown_action": ("未知操作：{raw}", "Unknown action: {raw}"),
    "decoded_none": ("图像中未找到条码：{path}", "No barcode found in {path}"),
    "serial_error": ("扫描枪串口错误：{detail}", "Scanner port error: {detail}"),
}

# Action names as the clerk sees them (GLOSSARY.md).
ACTION_NAMES: dict[str, str] = {
    "store": "入库保存",
    "checkout": "借阅",
    "return": "归还",
    "transfer": "移交",
    "dispatch": "发出",
    "receive": "签收",
    "repair_out": "送修",
    "repair_in": "维修返回",
    "destroy_request": "申请销毁",
    "destroy_approve": "批准销毁",
    "destroy_witness": "监销确认",
    "destroy": "销毁",
    "inventory": "清查",
    "report_lost": "报告丢失",
    "found": "找回",
    "remove_storage": "拆除存储介质",
    "install_storage": "安装存储介质",
    "carry_out": "携带外出",
    "carry_in": "外出带回",
}

KIND_NAMES: dict[str, tuple[str, str]] = {
    "C": ("载体", "carrier"),
    "P": ("人员工作证", "badge"),
    "L": ("地点", "location"),
}


_REASONS_ZH = {
    "bad_check_character": "校验位错误",
    "invalid": "格式不符",
    "wrong_kind": "类型不符",
    "empty": "无内容",
}


def bad_code(reason: str, detail: object) -> str:
    """The refusal of a code, with the reason named in Chinese too (the detail is English)."""
    return BELL + text("bad_code", reason_zh=_REASONS_ZH.get(reason, reason), detail=detail)


def text(key: str, **values: object) -> str:
    """``中文 / English`` for ``key``, formatted with ``values``."""
    zh, en = _MESSAGES[key]
    return f"{zh.format(**values)} / {en.format(**values)}"
