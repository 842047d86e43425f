namespace DragVideo;

/// <summary>One drag: the content at <see cref="Handle"/> should end up at <see cref="Target"/> (pixel coordinates).</summary>
/// <param name="Handle">point on the content to move.</param>
/// <param name="Target">where that content should go.</param>
public sealed record DragPair(DragPoint Handle, DragPoint Target)
{
    /// <summary>The drag vector <c>Target − Handle</c>.</summary>
    public DragPoint Offset => Target - Handle;

    /// <summary>Length of the drag in pixels.</summary>
    public float Length => Handle.DistanceTo(Target);
}
