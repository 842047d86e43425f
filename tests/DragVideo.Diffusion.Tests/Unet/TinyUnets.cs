using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Unet;

/// <summary>The tiny golden-fixture U-Nets, strictly loaded, and their reference inputs/outputs.</summary>
internal static class TinyUnets
{
    /// <summary>The unet2d fixture model with its weights.</summary>
    public static UNet2DConditionModel LoadUnet2D()
    {
        TorchRuntime.EnsureLoaded();
        var config = UNet2DConditionConfig.FromJsonFile(Fixtures.PathOf("unet2d", "config.json"));
        var model = new UNet2DConditionModel(config);
        var weightsPath = Fixtures.PathOf("unet2d", "diffusion_pytorch_model.safetensors");
        var weights = SafetensorsReader.Load(weightsPath);
        try { StateDictLoader.LoadStrict(model, weights, weightsPath); }
        finally { foreach (var t in weights.Values) t.Dispose(); }
        return model;
    }

    /// <summary>The motion fixture model: unet2d weights + motion adapter weights under the same names.</summary>
    public static UNetMotionModel LoadMotion()
    {
        TorchRuntime.EnsureLoaded();
        var unetConfig = UNet2DConditionConfig.FromJsonFile(Fixtures.PathOf("motion", "unet_motion", "config.json"));
        var adapterConfig = MotionAdapterConfig.FromJsonFile(Fixtures.PathOf("motion", "motion_adapter", "config.json"));
        var model = new UNetMotionModel(unetConfig, adapterConfig);
        var unetWeights = SafetensorsReader.Load(Fixtures.PathOf("unet2d", "diffusion_pytorch_model.safetensors"));
        var adapterWeights = SafetensorsReader.Load(Fixtures.PathOf("motion", "motion_adapter", "diffusion_pytorch_model.safetensors"));
        var all = unetWeights.Concat(adapterWeights).ToDictionary(kv => kv.Key, kv => kv.Value);
        try { StateDictLoader.LoadStrict(model, all, "unet2d + motion_adapter"); }
        finally { foreach (var t in all.Values) t.Dispose(); }
        return model;
    }

    /// <summary>The module paths whose diffusers hook outputs a fixture recorded (<c>out.hook.{path}</c>).</summary>
    public static IEnumerable<string> HookedModules(IReadOnlyDictionary<string, Tensor> io)
        => io.Keys.Where(k => k.StartsWith("out.hook.", StringComparison.Ordinal)).Select(k => k["out.hook.".Length..]);

    /// <summary>The reference tensors of a fixture's <c>io.safetensors</c>.</summary>
    public static Dictionary<string, Tensor> ReadIo(params string[] parts) => SafetensorsReader.Load(Fixtures.PathOf(parts));
}
