using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// Copies a name → tensor dictionary into a module's parameters and persistent buffers, strictly: every module key
/// must be present with the same shape and every dict entry must have a place, or a <see cref="ModelLoadException"/>
/// lists all offenders at once. Values are converted to each target's dtype (and device) by the copy.
/// </summary>
public static class StateDictLoader
{
    /// <summary>
    /// Compares a state dict with a module's <c>state_dict()</c> (parameters + persistent buffers) without copying.
    /// </summary>
    /// <param name="module">The module to load into.</param>
    /// <param name="stateDict">Tensors by diffusers / transformers key.</param>
    /// <param name="options">Optional narrow exceptions; null for strict.</param>
    public static StateDictComparison Compare(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, StateDictLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(stateDict);
        options ??= StateDictLoadOptions.Strict;
        var target = module.state_dict();
        return Compare(target.ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal),
            stateDict.ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal), options);
    }

    /// <summary>Compares two key → shape maps (module first, file second).</summary>
    /// <param name="moduleShapes">Module key → shape.</param>
    /// <param name="fileShapes">File key → shape.</param>
    /// <param name="options">Optional narrow exceptions; null for strict.</param>
    public static StateDictComparison Compare(IReadOnlyDictionary<string, long[]> moduleShapes, IReadOnlyDictionary<string, long[]> fileShapes,
        StateDictLoadOptions? options = null)
    {
        options ??= StateDictLoadOptions.Strict;
        var missing = new List<string>();
        var mismatched = new List<string>();
        int matched = 0;
        foreach (var (key, shape) in moduleShapes)
        {
            if (!fileShapes.TryGetValue(key, out var fileShape))
            {
                if (options.AllowMissing?.Invoke(key) != true) missing.Add(key);
                continue;
            }
            if (!fileShape.SequenceEqual(shape))
                mismatched.Add($"{key}: file [{string.Join(", ", fileShape)}] vs module [{string.Join(", ", shape)}]");
            else
                matched++;
        }
        var unexpected = fileShapes.Keys
            .Where(k => !moduleShapes.ContainsKey(k) && options.IgnoreUnexpected?.Invoke(k) != true)
            .ToList();
        missing.Sort(StringComparer.Ordinal);
        unexpected.Sort(StringComparer.Ordinal);
        mismatched.Sort(StringComparer.Ordinal);
        return new StateDictComparison(missing, unexpected, mismatched, matched);
    }

    /// <summary>
    /// Strictly loads <paramref name="stateDict"/> into <paramref name="module"/> under <c>no_grad</c>. Throws
    /// <see cref="ModelLoadException"/> (with <see cref="ModelLoadException.MissingKeys"/>, <c>UnexpectedKeys</c> and
    /// <c>MismatchedKeys</c> filled) before touching any parameter if anything does not line up. The dict's tensors
    /// are only read; the caller keeps ownership of them.
    /// </summary>
    /// <param name="module">The module to load into (its parameters keep their dtype and device).</param>
    /// <param name="stateDict">Tensors by key.</param>
    /// <param name="source">File or folder named in error messages.</param>
    public static void LoadStrict(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, string? source = null) =>
        LoadStrict(module, stateDict, source, null);

    /// <summary>As <see cref="LoadStrict(nn.Module, IReadOnlyDictionary{string, Tensor}, string?)"/>, with explicit exceptions.</summary>
    /// <param name="module">The module to load into.</param>
    /// <param name="stateDict">Tensors by key.</param>
    /// <param name="source">File or folder named in error messages.</param>
    /// <param name="options">Narrow exceptions to strictness; null for none.</param>
    /// <returns>The comparison (exact apart from what <paramref name="options"/> allowed).</returns>
    public static StateDictComparison LoadStrict(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, string? source,
        StateDictLoadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(stateDict);
        var target = module.state_dict();
        var comparison = Compare(
            target.ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal),
            stateDict.ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal), options);
        if (!comparison.IsExactMatch)
        {
            throw new ModelLoadException(
                $"The weights do not match the {module.GetType().Name} ({module.GetName()}): {comparison.Describe()}",
                source, null, comparison.Missing, comparison.Unexpected, comparison.Mismatched);
        }

        using var noGrad = torch.no_grad();
        foreach (var (key, dest) in target)
        {
            if (!stateDict.TryGetValue(key, out var src)) continue; // allowed missing
            dest.copy_(src);
        }
        return comparison;
    }
}
