"""Voice mode: the user's voice drives the mouth; head motion and blinks come from a bank of
short motion clips (DESIGN §4.7). Used when the camera is off or the face is lost."""

MODES = ("camera", "voice", "auto")  # what drives the portrait: see mode.py
