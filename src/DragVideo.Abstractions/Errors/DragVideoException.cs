namespace DragVideo;

/// <summary>Base class of every error the DragVideo SDK raises on purpose.</summary>
public class DragVideoException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public DragVideoException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public DragVideoException(string message, Exception? innerException) : base(message, innerException) { }
}
