"""Stand-in's desktop app (PySide6): presentation only, over the engine's live pipeline."""
