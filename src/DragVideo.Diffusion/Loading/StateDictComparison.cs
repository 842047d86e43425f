namespace DragVideo.Diffusion.Loading;

/// <summary>
/// How a state dict lines up with a module: keys the module has but the dict lacks, keys the dict has but the module
/// does not, and keys present in both with different shapes (<c>name: file [..] vs module [..]</c>).
/// </summary>
/// <param name="Missing">Module parameters / persistent buffers absent from the dict (sorted).</param>
/// <param name="Unexpected">Dict entries the module has no place for (sorted).</param>
/// <param name="Mismatched">Shape mismatches, one line each (sorted).</param>
/// <param name="Matched">Number of keys present in both with equal shapes.</param>
public sealed record StateDictComparison(
    IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<string> Mismatched, int Matched)
{
    /// <summary>True when nothing is missing, unexpected or mis-shaped.</summary>
    public bool IsExactMatch => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <summary>A one-paragraph summary listing every problem (at most <paramref name="maxPerList"/> names per list).</summary>
    public string Describe(int maxPerList = 50)
    {
        static string List(string title, IReadOnlyList<string> keys, int max) =>
            keys.Count == 0 ? "" :
            $" {title} ({keys.Count}): {string.Join(", ", keys.Take(max))}{(keys.Count > max ? $", … {keys.Count - max} more" : "")}.";
        return $"{Matched} keys match." + List("Missing", Missing, maxPerList) + List("Unexpected", Unexpected, maxPerList)
               + List("Mis-shaped", Mismatched, maxPerList);
    }
}
