"""minyuan composition root: configuration, application factory, CLI, scheduling, emulator."""
