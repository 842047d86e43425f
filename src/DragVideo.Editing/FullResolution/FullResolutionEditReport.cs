using DragVideo.Media.Streaming;

namespace DragVideo.Editing.FullResolution;

/// <summary>The outcome of <see cref="FullResolutionEditor.EditFileAsync"/>.</summary>
/// <param name="OutputPath">the written file (full path).</param>
/// <param name="Width">output frame width (the source's displayed width).</param>
/// <param name="Height">output frame height.</param>
/// <param name="FrameRate">output frame rate as an exact rational (the source's).</param>
/// <param name="FrameCount">frames written (every source frame; checked against the written file).</param>
/// <param name="PixelFormat">pixel format of the output (the source's where H.264 can store it).</param>
/// <param name="Audio">what happened to the audio.</param>
/// <param name="Notes">every deliberate deviation from the source, one sentence each (pixel format, rotation, frame-rate
/// conversion, audio re-encoded or dropped); empty when the output matches the source in all of them.</param>
/// <param name="Backend">the editor that produced the key-frame fields.</param>
/// <param name="WorkingWidth">width of the working clip.</param>
/// <param name="WorkingHeight">height of the working clip.</param>
/// <param name="WorkingFrameSourceIndices">the source frame index of every working (key) frame, in order.</param>
/// <param name="WorkingInstruction">the propagated (and smoothed) instruction on the working frames, in working pixels.</param>
/// <param name="PreparationTime">probe and working-clip decode.</param>
/// <param name="PropagationTime">propagation (and, for a diffusion editor, its edit) and field extraction on the working clip.</param>
/// <param name="StreamingTime">the decode → warp → encode pass over every frame.</param>
/// <param name="WarpTime">time spent in the warp itself (field interpolation and plane resampling) within the streaming pass.</param>
public sealed record FullResolutionEditReport(
    string OutputPath,
    int Width,
    int Height,
    string FrameRate,
    int FrameCount,
    string PixelFormat,
    AudioOutcome Audio,
    IReadOnlyList<string> Notes,
    string Backend,
    int WorkingWidth,
    int WorkingHeight,
    IReadOnlyList<int> WorkingFrameSourceIndices,
    PropagatedInstruction WorkingInstruction,
    TimeSpan PreparationTime,
    TimeSpan PropagationTime,
    TimeSpan StreamingTime,
    TimeSpan WarpTime)
{
    /// <summary>Output frames per second of the streaming pass (decode → warp → encode).</summary>
    public double OutputFramesPerSecond => StreamingTime.TotalSeconds > 0 ? FrameCount / StreamingTime.TotalSeconds : 0;

    /// <summary>Frames per second of the warp stage alone.</summary>
    public double WarpFramesPerSecond => WarpTime.TotalSeconds > 0 ? FrameCount / WarpTime.TotalSeconds : 0;
}

/// <summary>The working frames of a full-resolution edit and the instruction propagated to them.</summary>
/// <param name="Instruction">the (smoothed) instruction on the working frames, in working pixels.</param>
/// <param name="SourceIndices">the source frame index of every working frame.</param>
/// <param name="Width">working width.</param>
/// <param name="Height">working height.</param>
public sealed record WorkingPropagation(PropagatedInstruction Instruction, IReadOnlyList<int> SourceIndices, int Width, int Height);
