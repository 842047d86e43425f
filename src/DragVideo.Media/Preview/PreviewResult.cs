namespace DragVideo.Media;

/// <summary>Files written by <see cref="InstructionPreview.Render"/> and what was decoded.</summary>
/// <param name="OverlayVideoPath">mp4 of the clip with the propagated instruction drawn on every frame.</param>
/// <param name="ContactSheetPath">PNG: sampled frames of the clip (top row) above the same frames with the overlay (bottom row).</param>
/// <param name="Width">decoded frame width.</param>
/// <param name="Height">decoded frame height.</param>
/// <param name="FrameCount">decoded frame count.</param>
/// <param name="Fps">decoded frame rate (the key-frame rate when sampling).</param>
/// <param name="Instruction">the per-frame instruction that was drawn.</param>
public sealed record PreviewResult(string OverlayVideoPath, string ContactSheetPath, int Width, int Height, int FrameCount, double Fps, PropagatedInstruction Instruction);
