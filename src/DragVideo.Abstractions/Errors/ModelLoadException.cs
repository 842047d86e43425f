namespace DragVideo;

/// <summary>
/// Model weights or configuration could not be loaded: missing component, unreadable or hostile file, or a state dict
/// whose keys or shapes do not match the module (strict loading). The lists name every offending key.
/// </summary>
public sealed class ModelLoadException : DragVideoException
{
    /// <summary>Creates the exception.</summary>
    public ModelLoadException(string message, string? path = null, Exception? innerException = null,
        IReadOnlyList<string>? missingKeys = null, IReadOnlyList<string>? unexpectedKeys = null,
        IReadOnlyList<string>? mismatchedKeys = null)
        : base(path is null ? message : $"{message} ({path})", innerException)
    {
        Path = path;
        MissingKeys = missingKeys ?? Array.Empty<string>();
        UnexpectedKeys = unexpectedKeys ?? Array.Empty<string>();
        MismatchedKeys = mismatchedKeys ?? Array.Empty<string>();
    }

    /// <summary>The file or folder concerned, when there is one.</summary>
    public string? Path { get; }

    /// <summary>Parameters or buffers the module has but the file lacks.</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Tensors in the file the module has no place for.</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>Tensors whose shape differs, as <c>name: file [..] vs module [..]</c>.</summary>
    public IReadOnlyList<string> MismatchedKeys { get; }
}
