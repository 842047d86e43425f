using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Clip;

[Trait("Category", "Parity")]
public sealed class ClipTextParityTests : IDisposable
{
    private static readonly StateDictLoadOptions SkipPositionIds = new()
    {
        IgnoreUnexpected = k => ClipTextModel.OptionalStateDictKeys.Contains(k),
    };

    private readonly Dictionary<string, Tensor> _weights = SafetensorsReader.Load(Fixtures.PathOf("clip_text", "model.safetensors"));
    private readonly Dictionary<string, Tensor> _io = SafetensorsReader.Load(Fixtures.PathOf("clip_text", "io.safetensors"));
    private readonly ClipTextModel _model;

    public ClipTextParityTests()
    {
        _model = new ClipTextModel(ClipTextConfig.FromJsonFile(Fixtures.PathOf("clip_text", "config.json")));
        StateDictLoader.LoadStrict(_model, _weights, "clip_text", SkipPositionIds);
        _model.eval();
    }

    public void Dispose()
    {
        _model.Dispose();
        foreach (var t in _weights.Values.Concat(_io.Values)) t.Dispose();
    }

    [Fact]
    public void State_dict_equals_the_transformers_file_apart_from_the_optional_position_ids()
    {
        _weights.Should().ContainKey("text_model.embeddings.position_ids");
        var mine = _model.state_dict();
        mine.Keys.Should().BeEquivalentTo(_weights.Keys.Where(k => k != "text_model.embeddings.position_ids"));
        mine.Should().HaveCount(36);
        foreach (var (name, t) in mine) t.shape.Should().Equal(_weights[name].shape, name);
    }

    [Fact]
    public void A_file_without_position_ids_loads_strictly_too()
    {
        var without = _weights.Where(kv => kv.Key != "text_model.embeddings.position_ids").ToDictionary(kv => kv.Key, kv => kv.Value);
        using var model = new ClipTextModel(_model.Config);
        var act = () => StateDictLoader.LoadStrict(model, without, "clip_text");
        act.Should().NotThrow();
    }

    [Fact]
    public void Last_hidden_state_pooler_and_every_hidden_state_match_transformers()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var output = _model.Encode(_io["in.input_ids"], outputHiddenStates: true);
        TensorAssert.Close(output.LastHiddenState, _io["out.last_hidden_state"], 1e-4, 1e-4, "last_hidden_state");
        TensorAssert.Close(output.PoolerOutput, _io["out.pooler_output"], 1e-4, 1e-4, "pooler_output");
        output.HiddenStates.Should().HaveCount(3);
        for (int i = 0; i < 3; i++) TensorAssert.Close(output.HiddenStates[i], _io[$"out.hidden_states.{i}"], 1e-4, 1e-4, $"hidden_states.{i}");
    }

    [Fact]
    public void Float64_model_matches_the_float64_reference_far_more_tightly()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = new ClipTextModel(_model.Config);
        StateDictLoader.LoadStrict(model, _weights, "clip_text", SkipPositionIds);
        model.to(ScalarType.Float64);
        using var output = model.Encode(_io["in.input_ids"]);
        TensorAssert.Close(output.LastHiddenState, _io["out_f64.last_hidden_state"], 1e-10, 1e-10, "f64 last_hidden_state");
        TensorAssert.Close(output.PoolerOutput, _io["out_f64.pooler_output"], 1e-10, 1e-10, "f64 pooler_output");
    }

    [Fact]
    public void Clip_skip_1_is_the_penultimate_layer_output_through_the_final_layer_norm()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var output = _model.Encode(_io["in.input_ids"], clipSkip: 1, outputHiddenStates: true);
        var expected = nn.functional.layer_norm(_io["out.hidden_states.1"], new long[] { 32 },
            _weights["text_model.final_layer_norm.weight"], _weights["text_model.final_layer_norm.bias"], 1e-5);
        TensorAssert.Close(output.LastHiddenState, expected, 1e-4, 1e-4, "clip skip 1");
        output.HiddenStates.Should().HaveCount(2, "the skipped last layer is not run");
    }

    [Fact]
    public void Pooled_state_sits_at_the_first_end_token()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var output = _model.Encode(_io["in.input_ids"]);
        // The fixture's rows end (first eos) at positions 9 and 31.
        TensorAssert.Close(output.PoolerOutput[0], output.LastHiddenState[0, 9], 0, 0);
        TensorAssert.Close(output.PoolerOutput[1], output.LastHiddenState[1, 31], 0, 0);
    }

    [Fact]
    public void EncodePrompts_tokenizes_pads_to_77_and_returns_the_last_hidden_state()
    {
        using var scope = NewDisposeScope();
        var tokenizer = DragVideo.Diffusion.Tokenizers.ClipTokenizer.FromFolder(Fixtures.PathOf("tokenizer"));
        // The tiny model knows 1000 ids only, so give it a tokenizer-compatible config of the real vocabulary size.
        using var model = new ClipTextModel(_model.Config with { VocabSize = 49408, EosTokenId = 49407 });
        var embedding = model.EncodePrompts(tokenizer, new[] { "a photo of a cat", "best quality" });
        embedding.shape.Should().Equal(2, 77, 32);
        var ids = tokenizer.EncodeBatch(new[] { "a photo of a cat", "best quality" });
        using var direct = model.Encode(ids);
        TensorAssert.Close(embedding, direct.LastHiddenState, 0, 0);
        embedding.requires_grad.Should().BeFalse();
    }

    [Fact]
    public void Forward_returns_the_last_hidden_state_and_rejects_bad_ids()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        TensorAssert.Close(_model.call(_io["in.input_ids"]), _io["out.last_hidden_state"], 1e-4, 1e-4);
        var tooLong = () => _model.Encode(zeros(new long[] { 1, 78 }, ScalarType.Int64));
        tooLong.Should().Throw<ArgumentException>().WithMessage("*[1, 77]*");
        var outside = () => _model.Encode(full(new long[] { 1, 5 }, 1000L, ScalarType.Int64));
        outside.Should().Throw<ArgumentException>().WithMessage("*[0, 1000)*");
        var floats = () => _model.Encode(zeros(1, 5));
        floats.Should().Throw<ArgumentException>();
        var skip = () => _model.Encode(_io["in.input_ids"], clipSkip: 2);
        skip.Should().Throw<ArgumentOutOfRangeException>();
    }
}
