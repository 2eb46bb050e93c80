"""Named errors of the protocol, shared by client and server.

Each carries a machine-readable ``code`` (PROTOCOL.md) and a message in Chinese that the app can
show as it is. Messages never contain the offending value: it may be an ID number or a phone.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Base of every error with a protocol code."""

    code = "invalid_request"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field

    def as_dict(self) -> dict[str, str]:
        body = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


class ValidationError(ProtocolError):
    """A value, field or mutation that breaks the shared rules."""

    code = "invalid_value"


class PermissionDenied(ProtocolError):
    code = "forbidden"


class ScopeError(ProtocolError):
    """A row outside the caller's grids."""

    code = "out_of_scope"


class WorkflowError(ProtocolError):
    code = "invalid_transition"


# Codes used in rejections and error bodies (kept here so both sides name them alike).
CODES = {
    "invalid_request": "请求格式错误",
    "malformed_json": "请求不是有效的 JSON",
    "invalid_value": "取值无效",
    "invalid_type": "类型错误",
    "required": "必填项为空",
    "too_long": "内容过长",
    "invalid_code": "不是允许的选项",
    "invalid_id_number": "身份证号无效",
    "invalid_phone": "电话号码无效",
    "invalid_date": "日期无效",
    "invalid_time": "时间无效",
    "invalid_uuid": "编号格式错误",
    "time_in_future": "时间晚于当前时间",
    "unknown_entity": "未知的数据类型",
    "unknown_field": "未知的字段",
    "invalid_op": "未知的操作",
    "field_not_writable": "该字段不可修改",
    "create_only": "该记录只能新增",
    "not_found": "记录不存在",
    "parent_not_found": "上级记录不存在",
    "parent_deleted": "上级记录已删除",
    "out_of_scope": "不在本人负责的网格内",
    "invalid_transition": "不允许的状态变更",
    "forbidden": "无权限",
}
