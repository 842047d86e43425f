namespace DragVideo.Diffusion.Tokenizers;

/// <summary>
/// The HTML5 named character references (WHATWG list, 2,231 names including the 106 legacy names accepted without a
/// semicolon), as Python's <c>html.entities.html5</c> ships them. The data is the embedded resource
/// <c>Html5Entities.tsv</c>: one entity a line, name, tab, code points in hex separated by spaces.
/// </summary>
internal static class Html5Entities
{
    internal const string ResourceName = "DragVideo.Diffusion.Tokenizers.Html5Entities.tsv";

    private static readonly Lazy<Dictionary<string, string>> Table = new(Load);

    /// <summary>The text of an entity name as written after '&amp;' (with its ';' when it has one), if it is one.</summary>
    public static bool TryGet(string name, out string value) => Table.Value.TryGetValue(name, out value!);

    /// <summary>The number of names in the table.</summary>
    internal static int Count => Table.Value.Count;

    private static Dictionary<string, string> Load()
    {
        using var stream = typeof(Html5Entities).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{ResourceName}' is missing from {typeof(Html5Entities).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            int tab = line.IndexOf('\t');
            if (tab <= 0) continue;
            var chars = line[(tab + 1)..].Split(' ').Select(h => char.ConvertFromUtf32(Convert.ToInt32(h, 16)));
            table[line[..tab]] = string.Concat(chars);
        }
        return table;
    }
}
