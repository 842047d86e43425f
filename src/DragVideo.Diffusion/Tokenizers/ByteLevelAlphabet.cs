namespace DragVideo.Diffusion.Tokenizers;

/// <summary>
/// GPT-2/CLIP's reversible byte ↔ character table: printable Latin-1 bytes map to themselves, the other 68 bytes to
/// U+0100 upwards, so every UTF-8 byte is one visible, non-whitespace vocabulary character.
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>Character for each byte value 0..255.</summary>
    public static readonly char[] ByteToChar = Build();

    /// <summary>The 256 characters in vocabulary order (printable bytes first, then the remapped ones).</summary>
    public static readonly char[] VocabularyOrder = BuildOrder();

    private static bool IsPrintable(int b) => b is (>= '!' and <= '~') or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);

    private static char[] Build()
    {
        var map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++) map[b] = IsPrintable(b) ? (char)b : (char)(256 + next++);
        return map;
    }

    private static char[] BuildOrder()
    {
        var order = new List<char>(256);
        for (int b = 0; b < 256; b++) if (IsPrintable(b)) order.Add((char)b);
        for (int b = 0; b < 256; b++) if (!IsPrintable(b)) order.Add(ByteToChar[b]);
        return order.ToArray();
    }
}
