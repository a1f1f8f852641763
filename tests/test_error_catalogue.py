"""Every message the user can see (errors, notices, warnings) is in ERRORS.md with its fix. The
messages are found in the code itself, so a new one without an entry fails here."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "ERRORS.md"
SAYING = {"show_notice", "say", "_say", "_tell", "on_message", "_on_message",
          "_failed"}  # show their text
DOCTOR = {"warn", "fail"}  # `standin doctor`'s problem lines: (check, the problem and its fix)
EXPLAINING = {"_explain", "guidance_for", "_guidance", "setup_hint", "problem"}  # return it
NAMED = ("GUIDANCE", "_FIX", "CAMERA_LOST", "NO_MOUTH", "NO_FACE", "TOO_DARK", "WASHED_OUT_FACE",
         "MOVED", "BLURRED", "VIDEO_ENDED")  # constants holding it
NOT_USER_FACING = {"ValueError", "TypeError", "RuntimeError", "KeyError", "NotImplementedError"}
HOLE = "\0"  # where a value is put into a message


def _text(node: ast.AST) -> str | None:
    """A message's literal text, HOLE for each value put in; None if it is not a string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else HOLE for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return (_text(node.left) or HOLE) + (_text(node.right) or HOLE)
    if isinstance(node, ast.IfExp):
        return _text(node.body)
    return None


def _messages(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        texts = []
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            shown = name in SAYING or (name.endswith("Error") and name not in NOT_USER_FACING)
            to_stderr = name == "print" and any(
                k.arg == "file" and getattr(k.value, "attr", "") == "stderr" for k in node.keywords)
            if name in DOCTOR and len(node.args) == 2:
                texts.append(node.args[1])
            elif (shown or to_stderr or name == "append") and node.args:
                is_notice = name != "append" or getattr(func.value, "id", "") == "notices"
                texts += [node.args[0]] if is_notice else []
            elif name == "emit":  # a signal carrying a message to the window
                texts += node.args
        elif isinstance(node, ast.FunctionDef) and node.name in EXPLAINING:
            texts += [n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value]
        elif isinstance(node, ast.Assign):
            target = node.targets[0]
            name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", "")
            if name in ("notice", "_problem") or name.endswith(NAMED) or name in NAMED:
                value = node.value  # a message, or a table of them
                texts += value.values if isinstance(value, ast.Dict) else [value]
        for text in filter(None, map(_text, texts)):
            found.append((node.lineno, text))
    return found


def _key(text: str) -> str:
    """The longest stretch of the message's own words (between values put in)."""
    return max((part.strip() for part in text.split(HOLE)), key=len)


def user_messages() -> dict[str, str]:
    """key -> where it is, for every user-facing message in engine/ and app/."""
    messages = {}
    for path in sorted([*ROOT.glob("engine/**/*.py"), *ROOT.glob("app/*.py")]):
        for line, text in _messages(ast.parse(path.read_text())):
            key = _key(text)
            if len(key) >= 12:  # shorter: a fragment ("; trying again") of a message listed whole
                messages[key] = f"{path.relative_to(ROOT)}:{line}"
    return messages


def test_the_scan_finds_the_messages_it_should():
    """The scanner itself: messages of each kind it must see are among those found."""
    found = user_messages()
    for expected in ("does not exist: check the path",  # a PortraitError
                     "is busy: another program is sending to it. Close that program (or",
                     "in use. The old file was kept as",  # Store.notice
                     "No camera found on this machine: the demo driver is moving the portrait. "
                     "Connect a camera, or choose a video file, under Camera.",  # show_notice
                     "Camera lost: reconnect it, or choose another camera; trying again",
                     "using the largest; crop the photo",  # a portrait notice
                     "Something went wrong (",  # the worker's signal
                     "): choose it as the camera in your meeting app"):  # VirtualCamera._tell
        assert any(expected in key for key in found), expected
    assert len(found) >= 60


def test_every_user_facing_message_is_in_the_catalogue():
    catalogue = CATALOGUE.read_text()
    missing = {key: where for key, where in user_messages().items() if key not in catalogue}
    assert not missing, "not in ERRORS.md:\n" + "\n".join(f"{w}: {k}" for k, w in missing.items())
