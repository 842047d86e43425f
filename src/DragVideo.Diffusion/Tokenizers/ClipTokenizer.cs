using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tokenizers;

/// <summary>
/// CLIP's byte-level BPE tokenizer (openai/CLIP <c>simple_tokenizer.py</c>, the tokenizer of Stable Diffusion 1.x):
/// clean-up and lower-casing (<see cref="ClipTextCleaner"/>), word splitting, byte-level BPE with <c>&lt;/w&gt;</c> word
/// ends, <c>&lt;|startoftext|&gt;</c> / <c>&lt;|endoftext|&gt;</c> around the text. Thread-safe.
/// </summary>
/// <remarks>
/// Written here rather than on Microsoft.ML.Tokenizers: its 2.0.1 <c>BpeTokenizer</c> (byte-level, <c>&lt;/w&gt;</c>
/// suffix, CLIP's split pattern, lower-casing) reproduced the reference ids for only 33 of the 41 fixture prompts — it
/// has no ftfy clean-up or HTML unescaping and splits literal special tokens into characters.
/// </remarks>
public sealed class ClipTokenizer
{
    /// <summary>Text of the start token.</summary>
    public const string StartToken = "<|startoftext|>";

    /// <summary>Text of the end token (also the padding token of Stable Diffusion's tokenizer).</summary>
    public const string EndToken = "<|endoftext|>";

    /// <summary>Context length of the CLIP text encoder (SD1.5: 77).</summary>
    public const int DefaultContextLength = 77;

    private const string WordEnd = "</w>";
    private const int MaxCachedWords = 100_000;

    private readonly Dictionary<string, int> _encoder;
    private readonly string[] _decoder;
    private readonly Dictionary<(string, string), int> _ranks;
    private readonly ConcurrentDictionary<string, string[]> _cache = new(StringComparer.Ordinal);

    private ClipTokenizer(Dictionary<string, int> encoder, IReadOnlyList<(string, string)> merges)
    {
        _encoder = encoder;
        _ranks = new Dictionary<(string, string), int>(merges.Count);
        for (int i = 0; i < merges.Count; i++) _ranks.TryAdd(merges[i], i);
        if (!encoder.TryGetValue(StartToken, out int bos) || !encoder.TryGetValue(EndToken, out int eos))
            throw new ModelLoadException($"The CLIP vocabulary has no '{StartToken}' / '{EndToken}' entries.");
        foreach (char c in ByteLevelAlphabet.ByteToChar)
            if (!encoder.ContainsKey(c.ToString()) || !encoder.ContainsKey(c + WordEnd))
                throw new ModelLoadException($"The CLIP vocabulary lacks the byte symbol U+{(int)c:X4} (with and without '{WordEnd}').");
        BosTokenId = bos;
        EosTokenId = eos;
        _decoder = new string[encoder.Values.Max() + 1];
        foreach (var (k, v) in encoder) _decoder[v] = k;
    }

    /// <summary>Id of <c>&lt;|startoftext|&gt;</c> (49406 in SD1.5).</summary>
    public int BosTokenId { get; }

    /// <summary>Id of <c>&lt;|endoftext|&gt;</c> (49407 in SD1.5); also used for padding, as SD1.5's tokenizer does.</summary>
    public int EosTokenId { get; }

    /// <summary>Number of vocabulary entries (SD1.5: 49408).</summary>
    public int VocabularySize => _encoder.Count;

    /// <summary>Loads a Hugging Face CLIP tokenizer folder (<c>vocab.json</c> + <c>merges.txt</c>, e.g. SD1.5's <c>tokenizer/</c>).</summary>
    /// <exception cref="ModelLoadException">a file is missing or malformed.</exception>
    public static ClipTokenizer FromFolder(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory)) throw new ModelLoadException("Tokenizer folder not found.", directory);
        return FromFiles(Path.Combine(directory, "vocab.json"), Path.Combine(directory, "merges.txt"));
    }

    /// <summary>Loads from a <c>vocab.json</c> (token → id) and a <c>merges.txt</c> (a <c>#version</c> line, then one merge per line).</summary>
    /// <exception cref="ModelLoadException">a file is missing or malformed.</exception>
    public static ClipTokenizer FromFiles(string vocabJsonPath, string mergesTxtPath)
    {
        ArgumentNullException.ThrowIfNull(vocabJsonPath);
        ArgumentNullException.ThrowIfNull(mergesTxtPath);
        Dictionary<string, int> vocab;
        try
        {
            using var stream = File.OpenRead(vocabJsonPath);
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(stream)
                    ?? throw new ModelLoadException("vocab.json is empty.", vocabJsonPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new ModelLoadException("Cannot read the CLIP vocabulary: " + e.Message, vocabJsonPath, e);
        }
        List<(string, string)> merges;
        try
        {
            merges = ParseMerges(File.ReadAllText(mergesTxtPath, Encoding.UTF8), mergesTxtPath, int.MaxValue);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException("Cannot read the BPE merges: " + e.Message, mergesTxtPath, e);
        }
        return new ClipTokenizer(vocab, merges);
    }

    /// <summary>
    /// Builds the tokenizer from openai/CLIP's <c>bpe_simple_vocab_16e6.txt.gz</c> the way <c>SimpleTokenizer</c> does:
    /// the first 48,894 merges, a vocabulary of the 256 byte symbols, the same with <c>&lt;/w&gt;</c>, the merges, then
    /// the two special tokens (49,408 entries; identical to the Hugging Face <c>vocab.json</c>).
    /// </summary>
    /// <exception cref="ModelLoadException">the file is missing or malformed.</exception>
    public static ClipTokenizer FromOpenAiBpe(string bpeGzPath)
    {
        ArgumentNullException.ThrowIfNull(bpeGzPath);
        string text;
        try
        {
            using var file = File.OpenRead(bpeGzPath);
            using var gz = new GZipStream(file, CompressionMode.Decompress);
            using var reader = new StreamReader(gz, Encoding.UTF8);
            text = reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new ModelLoadException("Cannot read the CLIP BPE file: " + e.Message, bpeGzPath, e);
        }
        var merges = ParseMerges(text, bpeGzPath, 49152 - 256 - 2);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (char c in ByteLevelAlphabet.VocabularyOrder) vocab[c.ToString()] = vocab.Count;
        foreach (char c in ByteLevelAlphabet.VocabularyOrder) vocab[c + WordEnd] = vocab.Count;
        foreach (var (a, b) in merges) vocab.TryAdd(a + b, vocab.Count);
        vocab[StartToken] = vocab.Count;
        vocab[EndToken] = vocab.Count;
        return new ClipTokenizer(vocab, merges);
    }

    private static List<(string, string)> ParseMerges(string text, string path, int maxMerges)
    {
        var lines = text.Split('\n');
        var merges = new List<(string, string)>();
        // Line 0 is the "#version" header in both the OpenAI and the Hugging Face layouts.
        for (int i = 1; i < lines.Length && merges.Count < maxMerges; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2) throw new ModelLoadException($"Malformed BPE merge on line {i + 1}: '{line}'.", path);
            merges.Add((parts[0], parts[1]));
        }
        if (merges.Count == 0) throw new ModelLoadException("The BPE merges file has no merges.", path);
        return merges;
    }

    /// <summary>The BPE token strings of <paramref name="text"/>, without start/end tokens (e.g. <c>photo&lt;/w&gt;</c>).</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        // Bound the word cache: long-running services see an open-ended vocabulary of words.
        if (_cache.Count > MaxCachedWords) _cache.Clear();
        foreach (var word in ClipPreTokenizer.Split(ClipTextCleaner.Clean(text)))
        {
            string encoded = ByteEncode(word);
            tokens.AddRange(encoded is StartToken or EndToken ? new[] { encoded } : _cache.GetOrAdd(encoded, Bpe));
        }
        return tokens;
    }

    /// <summary>
    /// Number of BPE tokens of <paramref name="text"/> without start/end tokens; more than
    /// <c>DefaultContextLength − 2</c> (75) means <see cref="EncodePadded"/> will truncate it.
    /// </summary>
    public int CountTokens(string text) => Tokenize(text).Count;

    /// <summary>
    /// Token ids of <paramref name="text"/> framed by the start and end tokens, unpadded and untruncated
    /// (<c>[49406] + SimpleTokenizer.encode(text) + [49407]</c>).
    /// </summary>
    public int[] Encode(string text)
    {
        var tokens = Tokenize(text);
        var ids = new int[tokens.Count + 2];
        ids[0] = BosTokenId;
        for (int i = 0; i < tokens.Count; i++)
        {
            if (!_encoder.TryGetValue(tokens[i], out ids[i + 1]))
                throw new InvalidOperationException($"BPE produced '{tokens[i]}', which is not in the vocabulary (inconsistent vocab.json and merges.txt).");
        }
        ids[^1] = EosTokenId;
        return ids;
    }

    /// <summary>
    /// Stable Diffusion's form: exactly <paramref name="length"/> ids; a longer text keeps the start token, the first
    /// <c>length − 2</c> tokens and the end token; a shorter one is padded with the end token.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> &lt; 2.</exception>
    public int[] EncodePadded(string text, int length = DefaultContextLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        var ids = Encode(text);
        var result = new int[length];
        if (ids.Length >= length)
        {
            Array.Copy(ids, result, length);
            result[^1] = EosTokenId;
        }
        else
        {
            Array.Copy(ids, result, ids.Length);
            Array.Fill(result, EosTokenId, ids.Length, length - ids.Length);
        }
        return result;
    }

    /// <summary>Padded ids of several prompts as an int64 tensor <c>[B, length]</c> on the CPU (the text encoder's input).</summary>
    public Tensor EncodeBatch(IReadOnlyList<string> prompts, int length = DefaultContextLength)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0) throw new ArgumentException("At least one prompt is required.", nameof(prompts));
        var data = new long[prompts.Count * length];
        for (int b = 0; b < prompts.Count; b++)
        {
            var ids = EncodePadded(prompts[b], length);
            for (int i = 0; i < length; i++) data[b * length + i] = ids[i];
        }
        return tensor(data, new long[] { prompts.Count, length }, ScalarType.Int64);
    }

    /// <summary>Text of token ids (special tokens kept, <c>&lt;/w&gt;</c> → space), like <c>SimpleTokenizer.decode</c>.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var sb = new StringBuilder();
        foreach (int id in ids)
        {
            if (id < 0 || id >= _decoder.Length || _decoder[id] is null)
                throw new ArgumentOutOfRangeException(nameof(ids), id, "Token id outside the vocabulary.");
            sb.Append(_decoder[id]);
        }
        var charToByte = new Dictionary<char, byte>();
        for (int b = 0; b < 256; b++) charToByte[ByteLevelAlphabet.ByteToChar[b]] = (byte)b;
        var bytes = new List<byte>();
        foreach (char c in sb.ToString())
        {
            if (charToByte.TryGetValue(c, out byte b)) bytes.Add(b);
            else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray()).Replace(WordEnd, " ");
    }

    private static string ByteEncode(string word)
    {
        var bytes = Encoding.UTF8.GetBytes(word);
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteLevelAlphabet.ByteToChar[bytes[i]];
        return new string(chars);
    }

    /// <summary>Byte-level BPE of one word: repeatedly merge every occurrence of the lowest-ranked adjacent pair.</summary>
    private string[] Bpe(string token)
    {
        var word = new List<string>(token.Length);
        for (int i = 0; i < token.Length - 1; i++) word.Add(token[i].ToString());
        word.Add(token[^1] + WordEnd);
        if (word.Count == 1) return word.ToArray();
        while (true)
        {
            int bestRank = int.MaxValue;
            (string, string) best = default;
            for (int i = 0; i < word.Count - 1; i++)
            {
                if (_ranks.TryGetValue((word[i], word[i + 1]), out int r) && r < bestRank)
                {
                    bestRank = r;
                    best = (word[i], word[i + 1]);
                }
            }
            if (bestRank == int.MaxValue) break;
            var merged = new List<string>(word.Count);
            for (int i = 0; i < word.Count;)
            {
                if (i < word.Count - 1 && word[i] == best.Item1 && word[i + 1] == best.Item2)
                {
                    merged.Add(best.Item1 + best.Item2);
                    i += 2;
                }
                else merged.Add(word[i++]);
            }
            word = merged;
            if (word.Count == 1) break;
        }
        return word.ToArray();
    }
}
