using System.Text;
using System.Text.RegularExpressions;

namespace DragVideo.Diffusion.Tokenizers;

/// <summary>
/// Mojibake repair with the behaviour of ftfy 6.3's <c>fix_encoding</c>: when the text looks broken (ftfy's "badness"
/// heuristic over the ~400 characters UTF-8 mojibake is made of), re-encode it in the first single-byte code page that
/// can represent it (Latin-1, "sloppy" Windows-1252/1251/1250/1253/1254/1257, ISO-8859-2, MacRoman, CP437) and decode
/// the bytes as UTF-8 (restoring spaces that stood in for byte A0, and marking lost bytes as U+FFFD); failing that,
/// repair embedded UTF-8 runs one by one, then Latin-1 → Windows-1252 C1 controls. Repeated until nothing changes.
/// </summary>
internal static partial class MojibakeFixer
{
    // ---- character categories of the badness heuristic (ftfy.badness) ----------------------------------------------
    private const string Common = "\u00A0\u00AD\u00B7\u00B4\u2013\u2014\u2015\u2026\u2019";
    private const string C1 = "\u0080-\u009F";
    private const string Bad = "\u00A6\u00A4\u00A8\u00AC\u00AF\u00B8\u0192\u02C6\u02C7\u02D8\u02DB\u02DC\u2020\u2021\u2030\u2310\u25CA\uFFFD\u00AA\u00BA";
    private const string Law = "\u00B6\u00A7";
    private const string Currency = "\u00A2\u00A3\u00A5\u20A7\u20AC";
    private const string StartPunct = "\u00A1\u00AB\u00BF\u00A9\u0384\u0385\u2018\u201A\u201C\u201E\u2022\u2039\uF8FF";
    private const string EndPunct = "\u00AE\u00BB\u02DD\u201D\u203A\u2122";
    private const string Numeric = "\u00B2\u00B3\u00B9\u00B1\u00BC\u00BD\u00BE\u00D7\u00B5\u00F7\u2044\u2202\u2206\u220F\u2211\u221A\u221E\u2229\u222B\u2248\u2260\u2261\u2264\u2265\u2116";
    private const string Kaomoji = "\u00D2-\u00D6\u00D9-\u00DC\u00F2-\u00F6\u00F8-\u00FC\u0150\u014C\u016A\u0172\u00B0";
    private const string UpperAccented = "\u00C0-\u00D1\u00D8\u00DC\u00DD\u0102\u0100\u0104\u0106\u010C\u010E\u0110\u0118\u011A\u0112\u0116\u011E\u0122\u0130\u012A\u0136\u0139\u013D\u0141\u013B\u0143\u0147\u0145\u0152\u0158\u015A\u015E\u0160\u0162\u0164\u016E\u0170\u0178\u0179\u017B\u017D\u0490";
    private const string LowerAccented = "\u00DF\u00E0-\u00F1\u0103\u0105\u0101\u0107\u010D\u010F\u0111\u0119\u011B\u0113\u0117\u011F\u0123\u012F\u012B\u0137\u013A\u013E\u0142\u013C\u0153\u0155\u015B\u015F\u0161\u0165\u00FC\u017A\u017C\u017E\u0491\uFB01\uFB02";
    private const string UpperCommon = "\u00DE\u0391-\u03A9\u0386\u0388\u0389\u038A\u038C\u038E\u038F\u03AA\u03AB\u0401-\u042F";
    private const string LowerCommon = "\u03B1-\u03C9\u03AC\u03AD\u03AE\u03AF\u03B0\u0430-\u045F";
    private const string Box = "\u2502\u250C\u2510\u2518\u251C\u2524\u252C\u253C\u2550-\u256C\u2580\u2584\u2588\u258C\u2590\u2591\u2592\u2593";

    private static string Cls(params string[] parts) => "[" + string.Concat(parts) + "]";

    /// <summary>Unlikely juxtapositions of mojibake characters; any match means "this text is probably broken".</summary>
    private static readonly Regex Badness = new(string.Join("|", new[]
    {
        Cls(C1),
        Cls(Bad, LowerAccented, UpperAccented, Box, StartPunct, EndPunct, Currency, Numeric, Law) + Cls(Bad),
        "[a-zA-Z]" + Cls(LowerCommon, UpperCommon) + Cls(Bad),
        Cls(Bad) + Cls(LowerAccented, UpperAccented, Box, StartPunct, EndPunct, Currency, Numeric, Law),
        Cls(LowerAccented, LowerCommon, Box, EndPunct, Currency, Numeric) + Cls(UpperAccented),
        Cls(Box, EndPunct, Currency, Numeric) + Cls(LowerAccented),
        Cls(LowerAccented, Box, EndPunct) + Cls(Currency),
        @"\s" + Cls(UpperAccented) + Cls(Currency),
        Cls(UpperAccented, Box) + Cls(Numeric, Law),
        Cls(LowerAccented, UpperAccented, Box, Currency, EndPunct) + Cls(StartPunct) + Cls(Numeric),
        Cls(LowerAccented, UpperAccented, Currency, Numeric, Box, Law) + Cls(EndPunct) + Cls(StartPunct),
        Cls(Currency, Numeric, Box) + Cls(StartPunct),
        "[a-z]" + Cls(UpperAccented) + Cls(StartPunct, Currency),
        Cls(Box) + Cls(Kaomoji),
        Cls(LowerAccented, UpperAccented, Currency, Numeric, StartPunct, EndPunct, Law) + Cls(Box),
        Cls(Box) + Cls(EndPunct),
        Cls(LowerAccented, UpperAccented) + Cls(StartPunct, EndPunct) + @"\w",
        // The ligature œ when not followed by an unaccented Latin letter.
        "[\u0152\u0153][^A-Za-z]",
        // Degree sign after a capital accented letter.
        Cls(UpperAccented) + "\u00B0",
        // Common two-character Windows-1252 mojibake.
        "[\u00C2\u00C3\u00CE\u00D0]" + Cls("\u20AC\u0153\u0160\u0161\u00A2\u00A3\u0178\u017E\u00A0\u00AD\u00AE\u00A9\u00B0\u00B7\u00BB", StartPunct, EndPunct, "\u2013\u2014\u00B4"),
        "\u00D7[\u00B2\u00B3]",
        // Windows-1252 mojibake of Arabic: four characters.
        "[\u00D8\u00D9]" + Cls(Common, Currency, Bad, Numeric, StartPunct, "\u0178\u0160\u00AE\u00B0\u00B5\u00BB") +
        "[\u00D8\u00D9]" + Cls(Common, Currency, Bad, Numeric, StartPunct, "\u0178\u0160\u00AE\u00B0\u00B5\u00BB"),
        // Starts of three-byte sequences of South Asian scripts.
        "\u00E0[\u00B2\u00B5\u00B9\u00BC\u00BD\u00BE]",
        // MacRoman mojibake.
        "\u221A[\u00B1\u2202\u2020\u2260\u00AE\u2122\u00B4\u2264\u2265\u00A5\u00B5\u00F8]",
        "\u2248[\u00B0\u00A2]",
        "\u201A\u00C4[\u00EC\u00EE\u00EF\u00F2\u00F4\u00FA\u00F9\u00FB\u2020\u00B0\u00A2\u03C0]",
        "\u201A[\u00E2\u00F3][\u00E0\u00E4\u00B0\u00EA]",
        // Windows-1251 mojibake.
        "\u0432\u0402",
        "[\u0412\u0413\u0420\u0421]" + Cls(C1, Bad, StartPunct, EndPunct, Currency, "\u00B0\u00B5") + "[\u0412\u0413\u0420\u0421]",
        "\u0413\u045E\u0412\u0402\u0412.[A-Za-z ]",
        // Windows-1252 encodings of à, á and NBSP itself.
        "\u00C3[\u00A0\u00A1]",
        @"[a-z]\s?[\u00C3\u00C2][ ]",
        "^[\u00C3\u00C2][ ]",
        "[a-z.,?!" + EndPunct + "]\u00C2[ " + StartPunct + EndPunct + "]",
        // Windows-1253 mojibake.
        "\u03B2\u20AC[\u2122\u00A0\u0386\u00AD\u00AE\u00B0]",
        "[\u0392\u0393\u039E\u039F]" + Cls(C1, Bad, StartPunct, EndPunct, Currency, "\u00B0") + "[\u0392\u0393\u039E\u039F]",
        // Windows-1257 mojibake.
        "\u0101\u20AC",
    }), RegexOptions.CultureInvariant);

    /// <summary>True when the text contains a character sequence typical of mojibake.</summary>
    public static bool IsBad(string text) => Badness.IsMatch(text);

    // ---- single-byte code pages ------------------------------------------------------------------------------------

    private sealed class SingleByteCodec
    {
        public SingleByteCodec(string name, char[] decode)
        {
            Name = name;
            Decode = decode;
            foreach (var (c, b) in decode.Select((c, i) => (c, (byte)i))) Encode[c] = b;
            for (int b = 0x80; b < 0x100; b++) Allowed.Add(decode[b]);
            Allowed.Add(decode[0x1A]);
        }

        public string Name { get; }
        public char[] Decode { get; }
        public Dictionary<char, byte> Encode { get; } = new();
        public HashSet<char> Allowed { get; } = new();
        public bool IsSloppy => Name.StartsWith("sloppy", StringComparison.Ordinal);

        /// <summary>ftfy's possible_encoding: every character is ASCII (not U+001A) or one of the code page's high characters.</summary>
        public bool CanRepresent(string text)
        {
            foreach (char c in text)
                if (!(c < 0x80 && c != 0x1A) && !Allowed.Contains(c)) return false;
            return true;
        }

        public byte[] GetBytes(string text)
        {
            var bytes = new byte[text.Length];
            for (int i = 0; i < text.Length; i++)
                bytes[i] = text[i] < 0x80 && text[i] != 0x1A ? (byte)text[i] : Encode[text[i]];
            return bytes;
        }
    }

    private static readonly SingleByteCodec[] Codecs = BuildCodecs();

    private static SingleByteCodec[] BuildCodecs()
    {
        var latin1 = Enumerable.Range(0, 256).Select(i => (char)i).ToArray();
        return new[]
        {
            new SingleByteCodec("latin-1", latin1),
            Sloppy("sloppy-windows-1252", 1252),
            Sloppy("sloppy-windows-1251", 1251),
            Sloppy("sloppy-windows-1250", 1250),
            Sloppy("sloppy-windows-1253", 1253),
            Sloppy("sloppy-windows-1254", 1254),
            Sloppy("sloppy-windows-1257", 1257),
            Full("iso-8859-2", 28592),
            Full("macroman", 10000),
            Full("cp437", 437),
        };
    }

    /// <summary>The characters bytes 0–255 decode to in a code page; null where the byte is unassigned.</summary>
    private static char?[] CodePage(int codePage)
    {
        var encoding = CodePagesEncodingProvider.Instance.GetEncoding(codePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)
                       ?? throw new InvalidOperationException($"Code page {codePage} is not available.");
        var result = new char?[256];
        for (int b = 0; b < 256; b++)
        {
            try
            {
                string s = encoding.GetString(new[] { (byte)b });
                // .NET decodes some unassigned bytes to private-use or C1 characters; Python calls them undefined.
                bool unassigned = s.Length != 1 || s[0] is >= '\uE000' and <= '\uF8FE' || (b >= 0x80 && s[0] is >= '\u0080' and <= '\u009F');
                result[b] = unassigned ? null : s[0];
            }
            catch (DecoderFallbackException)
            {
                result[b] = null;
            }
        }
        return result;
    }

    /// <summary>ftfy's sloppy codec: unassigned bytes decode as Latin-1, and byte 1A stands for U+FFFD.</summary>
    private static SingleByteCodec Sloppy(string name, int codePage)
    {
        var cp = CodePage(codePage);
        var table = new char[256];
        for (int b = 0; b < 256; b++) table[b] = b < 0x80 ? (char)b : cp[b] ?? (char)b;
        table[0x1A] = '\uFFFD';
        return new SingleByteCodec(name, table);
    }

    private static SingleByteCodec Full(string name, int codePage)
    {
        var cp = CodePage(codePage);
        var table = new char[256];
        for (int b = 0; b < 256; b++) table[b] = b < 0x80 ? (char)b : cp[b] ?? (char)b;
        // MacRoman's 0xF0 is the Apple logo (U+F8FF), a private-use character kept on purpose.
        if (codePage == 10000) table[0xF0] = '\uF8FF';
        return new SingleByteCodec(name, table);
    }

    private static SingleByteCodec Latin1 => Codecs[0];

    private static SingleByteCodec Windows1252Sloppy => Codecs[1];

    // ---- byte-level patterns (bytes held as Latin-1 strings) ------------------------------------------------------

    /// <summary>UTF-8 sequences that would be valid if a space were byte A0 again.</summary>
    [GeneratedRegex("[\u00C2\u00C3\u00C5\u00CE\u00D0\u00D9][ ]" +
                    "|[\u00E2\u00E3][ ][\u0080-\u0084\u0086-\u009F\u00A1-\u00BF]" +
                    "|[\u00E0-\u00E3][\u0080-\u0084\u0086-\u009F\u00A1-\u00BF][ ]" +
                    "|[\u00F0][ ][\u0080-\u00BF][\u0080-\u00BF]" +
                    "|[\u00F0][\u0080-\u00BF][ ][\u0080-\u00BF]" +
                    "|[\u00F0][\u0080-\u00BF][\u0080-\u00BF][ ]", RegexOptions.CultureInvariant)]
    private static partial Regex AlteredUtf8();

    /// <summary>"Ã " as a whole word is "à" (not the start of the next word), except before Portuguese contractions.</summary>
    [GeneratedRegex("\u00C3 (?! |quele|quela|quilo|s )", RegexOptions.CultureInvariant)]
    private static partial Regex AGraveWord();

    /// <summary>UTF-8 sequences in which a byte was lost (1A, or at most one '?').</summary>
    [GeneratedRegex("[\u00C2-\u00DF][\u001A]" +
                    "|[\u00C2-\u00C3][?]" +
                    "|\u00ED[\u00A0-\u00AF][\u001A?]\u00ED[\u00B0-\u00BF][\u001A?\u0080-\u00BF]" +
                    "|\u00ED[\u00A0-\u00AF][\u001A?\u0080-\u00BF]\u00ED[\u00B0-\u00BF][\u001A?]" +
                    "|[\u00E0-\u00EF][\u001A?][\u001A\u0080-\u00BF]" +
                    "|[\u00E0-\u00EF][\u001A\u0080-\u00BF][\u001A?]" +
                    "|[\u00F0-\u00F4][\u001A?][\u001A\u0080-\u00BF][\u001A\u0080-\u00BF]" +
                    "|[\u00F0-\u00F4][\u001A\u0080-\u00BF][\u001A?][\u001A\u0080-\u00BF]" +
                    "|[\u00F0-\u00F4][\u001A\u0080-\u00BF][\u001A\u0080-\u00BF][\u001A?]" +
                    "|\u001A", RegexOptions.CultureInvariant)]
    private static partial Regex LossyUtf8();

    private static byte[] RestoreByteA0(byte[] bytes)
    {
        string s = Latin1String(bytes);
        s = AGraveWord().Replace(s, "\u00C3\u00A0 ");
        s = AlteredUtf8().Replace(s, m => m.Value.Replace(' ', '\u00A0'));
        return LatinBytes(s);
    }

    private static byte[] ReplaceLossySequences(byte[] bytes) =>
        LatinBytes(LossyUtf8().Replace(Latin1String(bytes), "\u00EF\u00BF\u00BD"));

    private static string Latin1String(byte[] bytes) => string.Create(bytes.Length, bytes, (span, b) =>
    {
        for (int i = 0; i < b.Length; i++) span[i] = (char)b[i];
    });

    private static byte[] LatinBytes(string s) => s.Select(c => (byte)c).ToArray();

    // ---- embedded UTF-8 detection ------------------------------------------------------------------------------------

    private static readonly Regex Utf8Detector = BuildUtf8Detector();

    /// <summary>
    /// Runs of characters that spell UTF-8 lead + continuation bytes in one of the Latin-1-like code pages (ftfy's
    /// <c>UTF8_DETECTOR_RE</c>, its classes derived from the code pages instead of listed).
    /// </summary>
    private static Regex BuildUtf8Detector()
    {
        int[] leadPages = { 1250, 1251, 1253, 1254, 1257 };
        int[] continuationPages = { 1250, 1251, 1252, 1253, 1257 };
        var first2 = new SortedSet<char>();
        var first3 = new SortedSet<char>();
        var first4 = new SortedSet<char>();
        var continuation = new SortedSet<char>();
        void AddLeads(Func<int, char?> decode)
        {
            for (int b = 0xC2; b <= 0xDF; b++) if (decode(b) is { } c) first2.Add(c);
            for (int b = 0xE0; b <= 0xEF; b++) if (decode(b) is { } c) first3.Add(c);
            foreach (int b in new[] { 0xF0, 0xF3 }) if (decode(b) is { } c) first4.Add(c);
        }
        AddLeads(b => (char)b);
        foreach (int cp in leadPages)
        {
            var table = CodePage(cp);
            AddLeads(b => table[b]);
        }
        foreach (int cp in continuationPages)
        {
            var table = CodePage(cp);
            for (int b = 0x80; b <= 0xBF; b++) if (table[b] is { } c && c > '\u00BF') continuation.Add(c);
        }
        string Set(IEnumerable<char> chars) => string.Concat(chars.Select(c => $"\\u{(int)c:X4}"));
        string cont = "\\u0080-\\u00BF" + Set(continuation);
        string pattern = $"(?<![{cont}])(?:[{Set(first2)}][{cont} ]|[{Set(first3)}][{cont} ]{{2}}|[{Set(first4)}][{cont} ]{{3}})+";
        return new Regex(pattern, RegexOptions.CultureInvariant);
    }

    // ---- the fixer ---------------------------------------------------------------------------------------------------

    /// <summary>ftfy's <c>fix_encoding</c>: one-step fixes repeated until the text stops changing.</summary>
    public static string FixEncoding(string text)
    {
        while (true)
        {
            string before = text;
            text = FixOneStep(text);
            if (text == before) return text;
        }
    }

    private static string FixOneStep(string text)
    {
        if (text.Length == 0 || text.All(c => c < 0x80) || !IsBad(text)) return text;
        var possible = new List<SingleByteCodec>();
        foreach (var codec in Codecs)
        {
            if (!codec.CanRepresent(text)) continue;
            possible.Add(codec);
            var bytes = codec.GetBytes(text);
            if (codec.Name != "macroman" && AlteredUtf8().IsMatch(Latin1String(bytes))) bytes = RestoreByteA0(bytes);
            if (codec.IsSloppy) bytes = ReplaceLossySequences(bytes);
            if (TryDecodeUtf8Variants(bytes, out var fixedText)) return fixedText;
        }
        if (Utf8Detector.IsMatch(text))
        {
            string fixedText = Utf8Detector.Replace(text, m =>
                m.Value.Length < text.Length && IsBad(m.Value) ? FixEncoding(m.Value) : m.Value);
            if (fixedText != text) return fixedText;
        }
        if (possible.Contains(Latin1))
        {
            // Latin-1 text with C1 controls that Windows-1252 defines: re-read those bytes as Windows-1252.
            var bytes = Latin1.GetBytes(text);
            if (bytes.All(b => b is not (0x81 or 0x8D or 0x8F or 0x90 or 0x9D)))
            {
                string fixedText = new string(bytes.Select(b => Windows1252Sloppy.Decode[b]).ToArray());
                if (fixedText != text) return fixedText;
            }
        }
        if (text.Any(c => c is >= '\u0080' and <= '\u009F')) return FixC1Controls(text);
        return text;
    }

    /// <summary>C1 controls (U+0080–U+009F) → their Windows-1252 characters, as web browsers do.</summary>
    public static string FixC1Controls(string text)
    {
        if (!text.Any(c => c is >= '\u0080' and <= '\u009F')) return text;
        return new string(text.Select(c => c is >= '\u0080' and <= '\u009F' ? Windows1252Sloppy.Decode[c] : c).ToArray());
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Strict UTF-8, plus ftfy's "utf-8-variants" when bytes ED or C0 occur: CESU-8 surrogate pairs and Java's C0 80 for U+0000.
    /// </summary>
    private static bool TryDecodeUtf8Variants(byte[] bytes, out string text)
    {
        if (bytes.Contains((byte)0xED) || bytes.Contains((byte)0xC0)) bytes = NormaliseUtf8Variants(bytes);
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = string.Empty;
            return false;
        }
    }

    private static byte[] NormaliseUtf8Variants(byte[] b)
    {
        var output = new List<byte>(b.Length);
        for (int i = 0; i < b.Length; i++)
        {
            if (b[i] == 0xC0 && i + 1 < b.Length && b[i + 1] == 0x80)
            {
                output.Add(0);
                i++;
                continue;
            }
            if (b[i] == 0xED && i + 5 < b.Length && b[i + 1] is >= 0xA0 and <= 0xAF && b[i + 2] is >= 0x80 and <= 0xBF
                && b[i + 3] == 0xED && b[i + 4] is >= 0xB0 and <= 0xBF && b[i + 5] is >= 0x80 and <= 0xBF)
            {
                int high = 0xD000 | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
                int low = 0xD000 | ((b[i + 4] & 0x3F) << 6) | (b[i + 5] & 0x3F);
                int cp = char.ConvertToUtf32((char)high, (char)low);
                output.AddRange(Encoding.UTF8.GetBytes(char.ConvertFromUtf32(cp)));
                i += 5;
                continue;
            }
            output.Add(b[i]);
        }
        return output.ToArray();
    }
}
