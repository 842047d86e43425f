namespace DragVideo.Diffusion.Loading;

/// <summary>The result of checking one model component against its weights.</summary>
/// <param name="Component">Component name (<c>unet</c>, <c>vae</c>, <c>text_encoder</c>, <c>motion_adapter</c>, <c>tokenizer</c>, <c>scheduler</c>).</param>
/// <param name="Source">File or folder the weights came from.</param>
/// <param name="StoredDTypes">Tensor dtypes found in the file (e.g. <c>Float16</c>), comma-separated; empty for non-tensor components.</param>
/// <param name="ModuleDType">Parameter dtype of the built module, or empty.</param>
/// <param name="ParameterCount">Parameters of the built module (0 for non-tensor components).</param>
/// <param name="Missing">Module keys absent from the file.</param>
/// <param name="Unexpected">File keys the module has no place for.</param>
/// <param name="Mismatched">Shape mismatches (<c>name: file [..] vs module [..]</c>).</param>
/// <param name="Notes">Informational lines (e.g. dropped AnimateDiff positional encodings, ignored training buffers).</param>
/// <param name="Error">The error that stopped the check, or null.</param>
public sealed record ComponentCheck(
    string Component, string Source, string StoredDTypes, string ModuleDType, long ParameterCount,
    IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<string> Mismatched,
    IReadOnlyList<string> Notes, string? Error)
{
    /// <summary>True when the component loaded with every key matched.</summary>
    public bool Ok => Error is null && Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    internal static ComponentCheck Failed(string component, string source, Exception error)
    {
        var m = error as ModelLoadException;
        return new ComponentCheck(component, source, "", "", 0,
            m?.MissingKeys ?? Array.Empty<string>(), m?.UnexpectedKeys ?? Array.Empty<string>(), m?.MismatchedKeys ?? Array.Empty<string>(),
            Array.Empty<string>(), error.Message);
    }
}

/// <summary>The result of checking a model folder or file.</summary>
/// <param name="Path">The path checked.</param>
/// <param name="Kind">What the path is, or null when it could not be classified.</param>
/// <param name="Components">One entry per component.</param>
public sealed record ModelCheckReport(string Path, ModelSourceKind? Kind, IReadOnlyList<ComponentCheck> Components)
{
    /// <summary>True when every component is <see cref="ComponentCheck.Ok"/> (and there is at least one).</summary>
    public bool Ok => Components.Count > 0 && Components.All(c => c.Ok);
}
