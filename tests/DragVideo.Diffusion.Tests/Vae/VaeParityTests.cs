using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Vae;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Vae;

[Trait("Category", "Parity")]
public sealed class VaeParityTests : IDisposable
{
    private readonly AutoencoderKL _vae = LoadTinyVae();
    private readonly Dictionary<string, Tensor> _io = SafetensorsReader.Load(Fixtures.PathOf("vae", "io.safetensors"));

    internal static AutoencoderKL LoadTinyVae()
    {
        var vae = new AutoencoderKL(AutoencoderKLConfig.FromJsonFile(Fixtures.PathOf("vae", "config.json")));
        var weights = SafetensorsReader.Load(Fixtures.PathOf("vae", "diffusion_pytorch_model.safetensors"));
        StateDictLoader.LoadStrict(vae, weights, "vae");
        foreach (var t in weights.Values) t.Dispose();
        vae.eval();
        return vae;
    }

    public void Dispose()
    {
        _vae.Dispose();
        foreach (var t in _io.Values) t.Dispose();
    }

    [Fact]
    public void State_dict_names_and_shapes_equal_the_diffusers_file()
    {
        var file = SafetensorsReader.ReadHeader(Fixtures.PathOf("vae", "diffusion_pytorch_model.safetensors")).Entries
            .ToDictionary(e => e.Name, e => e.Shape);
        var mine = _vae.state_dict();
        mine.Keys.Should().BeEquivalentTo(file.Keys);
        mine.Should().HaveCount(156);
        foreach (var (name, t) in mine) t.shape.Should().Equal(file[name], name);
    }

    [Fact]
    public void Posterior_decode_and_every_hooked_module_match_diffusers()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var recorder = ForwardHooks.Record(_vae, new[] { "encoder", "quant_conv", "post_quant_conv", "decoder.mid_block", "decoder.up_blocks.0", "decoder.up_blocks.1" });
        using var posterior = _vae.Encode(_io["in.sample"]);
        var decoded = _vae.Decode(posterior.Mean);

        TensorAssert.Close(posterior.Mean, _io["out.posterior_mean"], 1e-4, 1e-4, "posterior_mean");
        TensorAssert.Close(posterior.LogVar, _io["out.posterior_logvar"], 1e-4, 1e-4, "posterior_logvar");
        TensorAssert.Close(posterior.Std, _io["out.posterior_std"], 1e-4, 1e-4, "posterior_std");
        TensorAssert.Close(decoded, _io["out.decoded_mean"], 1e-4, 1e-4, "decoded_mean");
        TensorAssert.HookedOutputsClose(_io, recorder.Outputs).Should().HaveCount(6);
    }

    [Fact]
    public void Sample_with_a_seeded_generator_is_mean_plus_std_times_that_generators_noise()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var posterior = _vae.Encode(_io["in.sample"]);
        var a = posterior.Sample(new Generator(42));
        var b = posterior.Sample(new Generator(42));
        var noise = randn(posterior.Mean.shape, generator: new Generator(42));
        TensorAssert.MaxAbsDiff(a, b).Should().Be(0);
        TensorAssert.Close(a, posterior.Mean + posterior.Std * noise, 1e-7, 1e-7);
        TensorAssert.MaxAbsDiff(a, posterior.Mean).Should().BeGreaterThan(1e-3);
    }

    [Fact]
    public void Frame_helpers_slice_without_changing_results_and_use_the_scaling_factor()
    {
        using var scope = NewDisposeScope();
        // Three frames [F,3,H,W] in [0,1]: the fixture image and two variations.
        var img01 = (_io["in.sample"][0] + 1) / 2;
        var frames = stack(new[] { img01, img01.flip(2), 1 - img01 });
        var latentsSliced = _vae.EncodeFrames(frames, sliceSize: 1);
        var latentsWhole = _vae.EncodeFrames(frames, sliceSize: 8);
        latentsSliced.shape.Should().Equal(1, 4, 3, 16, 16);
        TensorAssert.Close(latentsSliced, latentsWhole, 1e-5, 1e-5, "slicing must not change the latents");
        TensorAssert.Close(latentsSliced[0, .., 0] / _vae.ScalingFactor, _io["out.posterior_mean"][0], 1e-4, 1e-4, "frame 0 = posterior mean");

        var decodedSliced = _vae.DecodeFrames(latentsSliced, sliceSize: 1);
        var decodedWhole = _vae.DecodeFrames(latentsSliced, sliceSize: 3);
        decodedSliced.shape.Should().Equal(1, 3, 3, 32, 32);
        TensorAssert.Close(decodedSliced, decodedWhole, 1e-5, 1e-5, "slicing must not change the frames");
        var expected = ((_io["out.decoded_mean"][0] + 1) / 2).clamp(0, 1);
        TensorAssert.Close(decodedSliced[0, 0], expected, 1e-4, 1e-4, "frame 0 = decoded mean in [0,1]");
        // Every frame, not just the fixture's: unscale, decode, map [-1, 1] to [0, 1] and clamp. A helper that skipped the
        // unscaling or the mapping would differ here (the third frame is the inverted image, far from frame 0).
        for (int f = 1; f < 3; f++)
        {
            var direct = ((_vae.Decode(latentsSliced[0, .., f].unsqueeze(0) / _vae.ScalingFactor)[0] + 1) / 2).clamp(0, 1);
            TensorAssert.Close(decodedSliced[0, f], direct, 1e-5, 1e-5, $"frame {f} = its decoded latent in [0,1]");
        }
    }

    [Fact]
    public void Bad_shapes_are_rejected_with_argument_errors_naming_the_expectation()
    {
        using var wrongChannels = zeros(1, 3, 8, 8);
        var decode = () => _vae.Decode(wrongChannels);
        decode.Should().Throw<ArgumentException>().WithMessage("*[N, 4, h, w]*");
        using var oddSize = zeros(1, 3, 31, 32);
        var encode = () => _vae.Encode(oddSize);
        encode.Should().Throw<ArgumentException>().WithMessage("*multiples of 2*");
        using var fourD = zeros(1, 4, 8, 8);
        var frames = () => _vae.DecodeFrames(fourD);
        frames.Should().Throw<ArgumentException>().WithMessage("*[B, 4, F, h, w]*");
    }

    [Fact]
    public void Config_rejects_unsupported_block_types_with_a_typed_error()
    {
        var act = () => AutoencoderKLConfig.FromJson("{\"down_block_types\":[\"AttnDownEncoderBlock2D\"],\"up_block_types\":[\"UpDecoderBlock2D\"],\"block_out_channels\":[32],\"norm_num_groups\":8}");
        act.Should().Throw<ModelLoadException>().WithMessage("*AttnDownEncoderBlock2D*");
    }

    [Fact]
    public void Decoding_frames_repeatedly_leaves_no_live_tensors()
    {
        using var latents = randn(new long[] { 1, 4, 2, 16, 16 });
        _vae.DecodeFrames(latents).Dispose();
        long before = LiveTensors.Count;
        for (int i = 0; i < 3; i++) _vae.DecodeFrames(latents).Dispose();
        LiveTensors.Count.Should().Be(before);
    }
}
