namespace DragVideo;

/// <summary>
/// A drag request (or its JSON form) is not valid for the clip it is applied to. <see cref="Field"/> names the offending
/// field as a JSON-style path (for example <c>keyframes[1].pairs[0].handle.x</c>).
/// </summary>
public sealed class InvalidDragRequestException : DragVideoException
{
    /// <summary>Creates the exception for a field with a message saying what was expected.</summary>
    public InvalidDragRequestException(string field, string message)
        : base($"{field}: {message}")
    {
        Field = field;
    }

    /// <summary>JSON-style path of the offending field.</summary>
    public string Field { get; }
}
