namespace DragVideo;

/// <summary>An external media tool (ffmpeg / ffprobe) is not installed or cannot be started.</summary>
public sealed class MediaToolMissingException : DragVideoException
{
    /// <summary>Creates the exception; the message says where the tool was looked for and how to install it.</summary>
    /// <param name="tool">the tool's name (ffmpeg or ffprobe).</param>
    /// <param name="innerException">the error that revealed the problem, if any.</param>
    /// <param name="reason">what exactly went wrong (default: not found on PATH).</param>
    public MediaToolMissingException(string tool, Exception? innerException = null, string? reason = null)
        : base($"{reason ?? $"'{tool}' was not found on PATH"}. Install it (Debian/Ubuntu: sudo apt-get install -y ffmpeg) or set DRAGVIDEO_FFMPEG to its full path.", innerException)
    {
        Tool = tool;
    }

    /// <summary>The missing tool's name.</summary>
    public string Tool { get; }
}
