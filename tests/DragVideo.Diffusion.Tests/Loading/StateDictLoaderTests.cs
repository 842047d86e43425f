using DragVideo.Diffusion.Loading;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Loading;

public class StateDictLoaderTests
{
    public StateDictLoaderTests() => TorchRuntime.EnsureLoaded();

    private sealed class Tiny : nn.Module
    {
        private readonly TorchSharp.Modules.Linear proj;
        private readonly TorchSharp.Modules.LayerNorm norm;

        public Tiny() : base(nameof(Tiny))
        {
            proj = nn.Linear(3, 2);
            norm = nn.LayerNorm(2);
            register_buffer("ids", torch.zeros(1, 4, dtype: ScalarType.Int64));
            register_buffer("scratch", torch.zeros(2), persistent: false);
            RegisterComponents();
        }
    }

    private static Dictionary<string, Tensor> Good(ScalarType dtype) => new()
    {
        ["proj.weight"] = torch.arange(6, dtype: dtype).reshape(2, 3),
        ["proj.bias"] = torch.tensor(new[] { 0.5, -0.5 }).to_type(dtype),
        ["norm.weight"] = torch.tensor(new[] { 2.0, 3.0 }).to_type(dtype),
        ["norm.bias"] = torch.tensor(new[] { 0.25, 0.75 }).to_type(dtype),
        ["ids"] = torch.arange(4, dtype: ScalarType.Int64).reshape(1, 4),
    };

    [Fact]
    public void Loads_parameters_and_persistent_buffers_converting_to_the_module_dtype()
    {
        using var scope = NewDisposeScope();
        using var m = new Tiny();
        StateDictLoader.LoadStrict(m, Good(ScalarType.Float64), "test");
        var sd = m.state_dict();
        sd["proj.weight"].dtype.Should().Be(ScalarType.Float32);
        sd["proj.weight"].data<float>().ToArray().Should().Equal(0, 1, 2, 3, 4, 5);
        sd["norm.bias"].data<float>().ToArray().Should().Equal(0.25f, 0.75f);
        sd["ids"].data<long>().ToArray().Should().Equal(0, 1, 2, 3);
        m.parameters().All(p => p.requires_grad).Should().BeTrue("loading must not change the parameters' grad flag");
        sd.Should().NotContainKey("scratch");
    }

    [Fact]
    public void Missing_unexpected_and_misshaped_keys_are_all_listed_and_nothing_is_copied()
    {
        using var scope = NewDisposeScope();
        using var m = new Tiny();
        var before = m.state_dict()["proj.weight"].clone();
        var dict = Good(ScalarType.Float32);
        dict.Remove("norm.bias");
        dict.Remove("ids");
        dict["extra.weight"] = torch.zeros(1);
        dict["norm.weight"] = torch.zeros(3);

        var act = () => StateDictLoader.LoadStrict(m, dict, "weights.safetensors");
        var ex = act.Should().Throw<ModelLoadException>().Which;
        ex.MissingKeys.Should().Equal("ids", "norm.bias");
        ex.UnexpectedKeys.Should().Equal("extra.weight");
        ex.MismatchedKeys.Should().Equal("norm.weight: file [3] vs module [2]");
        ex.Message.Should().Contain("norm.bias").And.Contain("extra.weight").And.Contain("weights.safetensors");
        TensorAssert.MaxAbsDiff(m.state_dict()["proj.weight"], before).Should().Be(0, "a failed strict load leaves the module untouched");
    }

    [Fact]
    public void Explicit_exceptions_allow_named_extra_and_absent_keys_only()
    {
        using var scope = NewDisposeScope();
        using var m = new Tiny();
        var dict = Good(ScalarType.Float32);
        dict.Remove("ids");
        dict["text_model.embeddings.position_ids"] = torch.zeros(1, 77, dtype: ScalarType.Int64);
        var options = new StateDictLoadOptions
        {
            IgnoreUnexpected = k => k.EndsWith("position_ids", StringComparison.Ordinal),
            AllowMissing = k => k == "ids",
        };
        var report = StateDictLoader.LoadStrict(m, dict, null, options);
        report.Matched.Should().Be(4);
        dict["other"] = torch.zeros(1);
        var act = () => StateDictLoader.LoadStrict(m, dict, null, options);
        act.Should().Throw<ModelLoadException>().Which.UnexpectedKeys.Should().Equal("other");
    }
}
