"""Internal workflows as data (G1): the steps a dossier goes through inside an agency.

A workflow is a list of steps, each with its kind, the role that acts and its share (in
per cent) of the procedure's processing time. Agencies' administrators edit them
(``services.publish_workflow`` writes a new version); a dossier copies the steps of the
version in force when it reaches the back office, so a later edit never changes the path
of a dossier already in progress.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from dichvucong.accounts.constants import OfficialRole
from dichvucong.backoffice.constants import StepKind

K = StepKind
R = OfficialRole

# The roles that may act at each kind of step.
ROLES_FOR_KIND: dict[str, frozenset[str]] = {
    K.RECEIVE: frozenset({R.RECEIVER}),
    K.ASSIGN: frozenset({R.APPROVER, R.PROCESSOR}),
    K.PROCESS: frozenset({R.PROCESSOR}),
    K.CONSULT: frozenset({R.PROCESSOR}),
    K.APPROVE: frozenset({R.APPROVER}),
    K.SIGN: frozenset({R.APPROVER}),
    K.RETURN: frozenset({R.RECEIVER}),
}
MAX_STEPS = 12


@dataclass(frozen=True)
class Step:
    kind: str
    role: str
    share: int  # per cent of the processing time
    name: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


class InvalidWorkflow(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


DEFAULT_STEPS: tuple[Step, ...] = (
    Step(K.RECEIVE, R.RECEIVER, 10, "Tiếp nhận, kiểm tra hồ sơ"),
    Step(K.PROCESS, R.PROCESSOR, 60, "Thẩm định hồ sơ"),
    Step(K.APPROVE, R.APPROVER, 20, "Lãnh đạo phê duyệt"),
    Step(K.SIGN, R.APPROVER, 5, "Ký số kết quả"),
    Step(K.RETURN, R.RECEIVER, 5, "Trả kết quả"),
)


def parse_steps(raw: list[dict]) -> list[Step]:
    """Steps from their stored (or posted) form, checked: refused with a code if not a
    workflow that can carry a dossier from receipt to its signed result."""
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_STEPS:
        raise InvalidWorkflow("step_count", f"a workflow has 2 to {MAX_STEPS} steps")
    steps = []
    for item in raw:
        try:
            step = Step(kind=str(item["kind"]), role=str(item["role"]), share=int(item["share"]),
                        name=str(item.get("name", ""))[:120].strip())
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidWorkflow("malformed", "each step needs a kind, a role and a share") from exc
        if step.kind not in K.values:
            raise InvalidWorkflow("unknown_kind", f"unknown step kind {step.kind!r}")
        if step.role not in ROLES_FOR_KIND[step.kind]:
            raise InvalidWorkflow("wrong_role", f"a {step.kind} step cannot be done by {step.role}")
        if step.share < 0:
            raise InvalidWorkflow("bad_share", "a share cannot be negative")
        steps.append(step)
    kinds = [step.kind for step in steps]
    if kinds[0] != K.RECEIVE or kinds.count(K.RECEIVE) != 1:
        raise InvalidWorkflow("receive_first", "the first step, and only it, receives the dossier")
    if kinds[-1] != K.RETURN or kinds.count(K.RETURN) != 1:
        raise InvalidWorkflow("return_last", "the last step, and only it, returns the result")
    if kinds.count(K.SIGN) != 1 or kinds[-2] != K.SIGN:
        raise InvalidWorkflow("sign_before_return", "one signing step comes just before the return")
    if K.PROCESS not in kinds:
        raise InvalidWorkflow("no_process", "at least one step processes the dossier")
    if kinds.index(K.PROCESS) > kinds.index(K.SIGN):
        raise InvalidWorkflow("process_after_sign", "processing comes before signing")
    if K.APPROVE in kinds and kinds.index(K.APPROVE) < kinds.index(K.PROCESS):
        raise InvalidWorkflow("approve_before_process", "approval comes after processing")
    if sum(step.share for step in steps) != 100:
        raise InvalidWorkflow("shares_not_100", "the shares of the steps add up to 100")
    return steps


def default_steps() -> list[Step]:
    return list(DEFAULT_STEPS)
