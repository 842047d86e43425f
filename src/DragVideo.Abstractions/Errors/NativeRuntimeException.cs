namespace DragVideo;

/// <summary>The TorchSharp native runtime (LibTorch + LibTorchSharp) could not be loaded; the message names the cause.</summary>
public sealed class NativeRuntimeException : DragVideoException
{
    /// <summary>Creates the exception.</summary>
    public NativeRuntimeException(string message, Exception? innerException = null) : base(message, innerException) { }
}
