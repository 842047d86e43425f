using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using DragVideo.Diffusion.Schedulers;
using static TorchSharp.torch;

namespace DragVideo.Testing;

/// <summary>The tiny fixture video U-Net (unet2d + motion_adapter weights) and the SD1.5 DDIM scheduler.</summary>
public static class TinyDiffusion
{
    /// <summary>Loads the tiny fixture video U-Net strictly, in eval mode, with <paramref name="dtype"/> weights (converted from the float32 files).</summary>
    public static UNetMotionModel Load(ScalarType dtype = ScalarType.Float32)
    {
        TorchRuntime.EnsureLoaded();
        var model = new UNetMotionModel(
            UNet2DConditionConfig.FromJsonFile(Fixtures.PathOf("unet2d", "config.json")),
            MotionAdapterConfig.FromJsonFile(Fixtures.PathOf("motion", "motion_adapter", "config.json")), dtype: dtype);
        var weights = SafetensorsReader.Load(Fixtures.PathOf("unet2d", "diffusion_pytorch_model.safetensors"));
        foreach (var (k, v) in SafetensorsReader.Load(Fixtures.PathOf("motion", "motion_adapter", "diffusion_pytorch_model.safetensors")))
            weights[k] = v;
        StateDictLoader.LoadStrict(model, weights, "fixtures");
        foreach (var t in weights.Values) t.Dispose();
        model.eval();
        return model;
    }

    /// <summary>The fixture DDIM scheduler (SD1.5 settings).</summary>
    public static DdimScheduler Scheduler() => DdimScheduler.FromPretrained(Fixtures.PathOf("ddim", "scheduler_config.json"));

    /// <summary>A structured "clip" latent: a bright blob drifting right over a smooth background, [1, 4, F, 16, 16].</summary>
    public static Tensor MovingBlobLatent(int frames = 8, int size = 16)
    {
        using var scope = NewDisposeScope();
        var ys = arange(size, dtype: ScalarType.Float32).view(size, 1);
        var xs = arange(size, dtype: ScalarType.Float32).view(1, size);
        var list = new List<Tensor>();
        for (int f = 0; f < frames; f++)
        {
            float cx = 4 + f * 0.8f, cy = 8;
            var blob = exp(-((xs - cx).pow(2) + (ys - cy).pow(2)) / 6f);
            var channels = stack(new[] { blob * 2 - 0.5f, (xs / size - 0.5f).expand(size, size), (ys / size * 0.5f).expand(size, size), blob.neg() + 0.3f }, 0);
            list.Add(channels);
        }
        return stack(list, 1).unsqueeze(0).MoveToOuterDisposeScope(); // [1, 4, F, h, w]
    }

    /// <summary>A text embedding [1, 77, 32] from a fixed seed.</summary>
    public static Tensor TextEmbedding()
    {
        using var g = new Generator(5);
        return randn(new long[] { 1, 77, 32 }, generator: g);
    }
}
