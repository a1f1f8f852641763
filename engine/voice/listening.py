"""Voice for the live pipeline, as the app and `standin run` use it: the microphone, open only
while a mode can use it (voice or automatic); the user's personal motion bank; and the
VoiceMode each pipeline drives with. A microphone that cannot be opened leaves voice mode
running with the mouth closed, and says why."""
from __future__ import annotations

from collections.abc import Callable

from ..errors import SourceError
from .driver import VoiceSettings
from .microphone import MicrophoneInput, list_microphones
from .mode import VoiceMode, check_mode
from .mouth import MouthShape
from .personal_bank import PersonalBank

NO_MOUTH = "the head still moves; the mouth stays closed"


def microphone_index(name: str) -> int | None:
    """The device called `name` now (indices change as devices come and go); None for the
    system's default input, or where no such device is connected."""
    return next((m.index for m in list_microphones() if m.name == name), None) if name else None


class Listening:
    def __init__(self, mode: str, device: int | None = None,
                 settings: VoiceSettings = VoiceSettings(), bank: PersonalBank | None = None,
                 say: Callable[[str], None] = lambda message: None):
        check_mode(mode)
        self.bank = bank if bank is not None else PersonalBank()
        self.device = device
        self.settings = settings
        self.microphone: MicrophoneInput | None = None
        self._problem: str | None = None  # why the microphone could not be opened
        self._mode = mode
        self._say = say
        self._current: VoiceMode | None = None
        self._update()

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def problem(self) -> str | None:
        """Why no voice is heard while a mode wants it; None when all is well."""
        microphone = self.microphone
        if microphone is not None and microphone.stalled:
            return ("the microphone stopped sending sound: check that it is connected, or "
                    f"choose another; {NO_MOUTH}")
        return self._problem

    def voice_mode(self) -> VoiceMode:
        """A fresh VoiceMode for a new pipeline, reading this microphone and bank."""
        self._current = VoiceMode(self._mode, self.latest, self.settings, self.bank)
        return self._current

    def latest(self) -> MouthShape | None:
        microphone = self.microphone
        return microphone.latest if microphone is not None else None

    @property
    def level(self) -> float:
        """0 to 1, for a level meter (0 while the microphone is closed)."""
        microphone = self.microphone
        return microphone.level if microphone is not None else 0.0

    def set_mode(self, mode: str) -> None:
        check_mode(mode)
        if self._current is not None:
            self._current.mode = mode
        self._mode = mode
        self._update()

    def set_device(self, device: int | None) -> None:
        if device != self.device or self.problem is not None:  # the same one again: a retry
            self.device = device
            self._close_microphone()
            self._update()

    def set_liveliness(self, liveliness: float) -> None:
        self.settings = VoiceSettings(liveliness, self.settings.seed)
        if self._current is not None:
            self._current.set_liveliness(liveliness)

    def _update(self) -> None:
        if self._mode == "camera":
            self._close_microphone()
            self._problem = None
            return
        if self.microphone is not None:
            return
        microphone = MicrophoneInput(self.device)
        try:
            microphone.start()
        except SourceError as error:
            self._problem = f"{error}; {NO_MOUTH}"
            self._say(f"microphone: {self._problem}")
            return
        self.microphone, self._problem = microphone, None

    def _close_microphone(self) -> None:
        microphone, self.microphone = self.microphone, None
        if microphone is not None:
            microphone.stop()

    def close(self) -> None:
        """Stop listening and keep what the bank learned."""
        self._close_microphone()
        self.bank.save()
