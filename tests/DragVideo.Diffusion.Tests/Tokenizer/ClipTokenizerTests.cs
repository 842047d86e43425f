using System.Text.Json;
using DragVideo.Diffusion.Tokenizers;
using DragVideo.Testing;

namespace DragVideo.Diffusion.Tests.Tokenizer;

public sealed class ClipTokenizerTests
{
    private static readonly Lazy<ClipTokenizer> Hf = new(() =>
        ClipTokenizer.FromFolder(Fixtures.PathOf("tokenizer")));

    private static readonly Lazy<List<Case>> Cases = new(LoadCases);

    public sealed record Case(string Prompt, int[] Ids, int[] Ids77, string[] Tokens, bool FtfyChangesText);

    private static List<Case> LoadCases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.PathOf("tokenizer", "cases.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("prompt").GetString()!,
            c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            c.GetProperty("ids_77").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            c.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            c.GetProperty("ftfy_changes_text").GetBoolean())).ToList();
    }

    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < LoadCases().Count; i++) data.Add(i);
        return data;
    }

    [Fact]
    public void Fixture_has_all_41_reference_cases_including_the_4_where_ftfy_matters()
    {
        Cases.Value.Should().HaveCount(41);
        Cases.Value.Count(c => c.FtfyChangesText).Should().Be(4);
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Encode_equals_reference_ids(int index)
    {
        var c = Cases.Value[index];
        Hf.Value.Encode(c.Prompt).Should().Equal(c.Ids, $"prompt {c.Prompt}");
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void EncodePadded_equals_reference_77_ids(int index)
    {
        var c = Cases.Value[index];
        Hf.Value.EncodePadded(c.Prompt).Should().Equal(c.Ids77, $"prompt {c.Prompt}");
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Tokenize_equals_reference_bpe_strings(int index)
    {
        var c = Cases.Value[index];
        Hf.Value.Tokenize(c.Prompt).Should().Equal(c.Tokens[1..^1], $"prompt {c.Prompt}");
    }

    [Fact]
    public void OpenAi_bpe_file_builds_the_same_vocabulary_as_vocab_json()
    {
        var openai = ClipTokenizer.FromOpenAiBpe(Fixtures.PathOf("tokenizer", "bpe_simple_vocab_16e6.txt.gz"));
        openai.VocabularySize.Should().Be(49408);
        openai.BosTokenId.Should().Be(49406);
        openai.EosTokenId.Should().Be(49407);
        foreach (var c in Cases.Value) openai.Encode(c.Prompt).Should().Equal(c.Ids, $"prompt {c.Prompt}");
    }

    [Fact]
    public void EncodeBatch_gives_int64_rows_of_77_padded_with_eos()
    {
        using var t = Hf.Value.EncodeBatch(new[] { "a photo of a cat", "" });
        t.shape.Should().Equal(2, 77);
        t.dtype.Should().Be(TorchSharp.torch.ScalarType.Int64);
        t[0, 0].item<long>().Should().Be(49406);
        t[1, 1].item<long>().Should().Be(49407);
        t[1, 76].item<long>().Should().Be(49407);
    }

    [Fact]
    public void Concurrent_encoding_gives_the_same_ids_as_sequential_encoding()
    {
        var tokenizer = ClipTokenizer.FromFolder(Fixtures.PathOf("tokenizer"));
        var prompts = Enumerable.Range(0, 8).SelectMany(_ => Cases.Value.Select(c => c.Prompt)).ToArray();
        var parallel = new int[prompts.Length][];
        Parallel.For(0, prompts.Length, i => parallel[i] = tokenizer.EncodePadded(prompts[i]));
        for (int i = 0; i < prompts.Length; i++) parallel[i].Should().Equal(Cases.Value[i % Cases.Value.Count].Ids77);
    }

    [Fact]
    public void CountTokens_reports_content_tokens_so_callers_can_warn_about_truncation()
    {
        foreach (var c in Cases.Value) Hf.Value.CountTokens(c.Prompt).Should().Be(c.Ids.Length - 2, c.Prompt);
    }

    [Fact]
    public void Decode_inverts_encode_for_plain_text()
    {
        var ids = Hf.Value.Encode("a photo of a cat");
        Hf.Value.Decode(ids[1..^1]).Should().Be("a photo of a cat ");
    }

    [Fact]
    public void Missing_folder_is_a_typed_load_error()
    {
        var act = () => ClipTokenizer.FromFolder(Path.Combine(Path.GetTempPath(), "no-such-tokenizer-" + Guid.NewGuid()));
        act.Should().Throw<ModelLoadException>();
    }

    [Theory]
    [InlineData("s\u00C3\u00B3", "s\u00F3")]
    [InlineData("sch\u00C3\u00B6n", "sch\u00F6n")]
    [InlineData("voil\u00C3 le travail", "voil\u00E0 le travail")]
    [InlineData("\u00E2\u0153\u201D No problems", "\u2714 No problems")]
    [InlineData("\u00E2\u20AC\u0153 like this \u00E2\u20AC\uFFFD", "\" like this \uFFFD")]
    [InlineData("\u201CCAF\u00C9\u201D na\u00EFve Bront\u00EB\u2026", "\"CAF\u00C9\" na\u00EFve Bront\u00EB\u2026")]
    [InlineData("\uFF2C\uFF2F\uFF35\uFF24\u3000\uFF2E\uFF2F\uFF29\uFF33\uFF25\uFF33", "LOUD NOISES")]
    public void FixText_repairs_mojibake_like_ftfy_and_leaves_intended_accents_alone(string input, string expected)
    {
        ClipTextCleaner.FixText(input).Should().Be(expected);
    }

    [Theory]
    [InlineData("&lt;b&gt; &amp;amp; &copy &#x41;&#66; &bogus;", "<b> & © ab &bogus;")]
    [InlineData("\u201Cq\u201D \u2018s\u2019", "\"q\" 's'")]
    [InlineData("&bigstar; &lang; P&EACUTE;REZ &ampx", "\u2605 \u27E8 p\u00E9rez &x")]
    [InlineData("\uFB01\uFB02 \uFF21\uFF22", "fifl ab")]
    [InlineData("caf\u00C3\u00A9", "caf\u00E9")]
    [InlineData("  A\t\nB  ", "a b")]
    public void Clean_applies_ftfy_fixes_html_unescape_whitespace_and_lower_case(string input, string expected)
    {
        ClipTextCleaner.Clean(input).Should().Be(expected);
    }

    [Fact]
    public void Html5_entity_table_loads_every_name_from_the_embedded_resource_including_astral_and_two_code_point_values()
    {
        Html5Entities.Count.Should().Be(2231);
        Html5Entities.TryGet("zopf;", out var astral).Should().BeTrue();
        astral.Should().Be(char.ConvertFromUtf32(0x1D56B));
        Html5Entities.TryGet("NotEqualTilde;", out var pair).Should().BeTrue();
        pair.Should().Be("\u2242\u0338");
        Html5Entities.TryGet("bogus;", out _).Should().BeFalse();
    }
}
