"""audiomap_export: Wav2Vec2-Conformer checkpoints to TorchScript for audiomap."""
