namespace DragVideo;

/// <summary>A video, image or mask file (or in-memory frame data) cannot be read or does not have the expected shape.</summary>
public sealed class InvalidMediaException : DragVideoException
{
    /// <summary>Creates the exception.</summary>
    public InvalidMediaException(string message, string? path = null, Exception? innerException = null)
        : base(path is null ? message : $"{message} ({path})", innerException)
    {
        Path = path;
    }

    /// <summary>The file concerned, when there is one.</summary>
    public string? Path { get; }
}
