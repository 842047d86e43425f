namespace DragVideo;

/// <summary>An external media tool (ffmpeg / ffprobe) is not installed or cannot be started.</summary>
public sealed class MediaToolMissingException : DragVideoException
{
    /// <summary>Creates the exception; the message says how to install the tool.</summary>
    public MediaToolMissingException(string tool, Exception? innerException = null)
        : base($"'{tool}' was not found on PATH. Install it (Debian/Ubuntu: sudo apt-get install -y ffmpeg) or set DRAGVIDEO_FFMPEG to its full path.", innerException)
    {
        Tool = tool;
    }

    /// <summary>The missing tool's name.</summary>
    public string Tool { get; }
}
