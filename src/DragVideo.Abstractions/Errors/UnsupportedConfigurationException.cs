namespace DragVideo;

/// <summary>
/// A setting asks for something the configured backbone or device cannot do (gradient checkpointing on a backbone
/// without it, half precision on a device that cannot compute in it). Raised when the editor is built, never mid-edit.
/// </summary>
public sealed class UnsupportedConfigurationException : DragVideoException
{
    /// <summary>Creates the exception for <paramref name="setting"/>.</summary>
    /// <param name="setting">the option path, e.g. <c>Memory.GradientCheckpointing</c>.</param>
    /// <param name="message">what is unsupported and what to do instead.</param>
    public UnsupportedConfigurationException(string setting, string message) : base($"{setting}: {message}") => Setting = setting;

    /// <summary>The option path that cannot be honoured.</summary>
    public string Setting { get; }
}
