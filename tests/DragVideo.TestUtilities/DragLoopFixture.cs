using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using DragVideo.Diffusion.Schedulers;
using static TorchSharp.torch;

namespace DragVideo.Testing;

/// <summary>
/// The <c>dragloop</c> golden fixture (../shared/fixtures/dragloop, README section "dragloop/"): the released DragVideo
/// drag loop, MSA denoising and LoRA steps on the SD1.5-shaped tiny UNetMotionModel. Dispose to free the model and tensors.
/// </summary>
public sealed class DragLoopFixture : IDisposable
{
    /// <summary>Frames of the fixture clip.</summary>
    public const int Frames = 12;

    /// <summary>Frame size in pixels (square).</summary>
    public const int ImageSize = 256;

    /// <summary>The released code's square feature size <c>sup_res</c>.</summary>
    public const int SupRes = 64;

    /// <summary>Loads the model (strictly, eval mode), the SD1.5 DDIM scheduler at 50 steps, and every stored tensor.</summary>
    public DragLoopFixture()
    {
        TorchRuntime.EnsureLoaded();
        Model = new UNetMotionModel(
            UNet2DConditionConfig.FromJsonFile(Fixtures.PathOf("dragloop", "model", "unet2d", "config.json")),
            MotionAdapterConfig.FromJsonFile(Fixtures.PathOf("dragloop", "model", "motion_adapter", "config.json")));
        var weights = SafetensorsReader.Load(Fixtures.PathOf("dragloop", "model", "unet2d", "diffusion_pytorch_model.safetensors"));
        foreach (var (k, v) in SafetensorsReader.Load(Fixtures.PathOf("dragloop", "model", "motion_adapter", "diffusion_pytorch_model.safetensors")))
            weights[k] = v;
        try { StateDictLoader.LoadStrict(Model, weights, "dragloop/model"); }
        finally { foreach (var t in weights.Values) t.Dispose(); }
        Model.eval();
        Scheduler = DdimScheduler.FromPretrained(Fixtures.PathOf("ddim", "scheduler_config.json"));
        Scheduler.SetTimesteps(50);
        Io = SafetensorsReader.Load(Fixtures.PathOf("dragloop", "io.safetensors"));
    }

    /// <summary>The tiny UNetMotionModel (unet2d + motion_adapter).</summary>
    public UNetMotionModel Model { get; }

    /// <summary>DDIM with SD1.5 settings, 50 inference steps set.</summary>
    public DdimScheduler Scheduler { get; }

    /// <summary>Every tensor of <c>dragloop/io.safetensors</c>, by key.</summary>
    public Dictionary<string, Tensor> Io { get; }

    /// <summary>The drag timestep t (741).</summary>
    public long Timestep => Io["in.t"].item<long>();

    /// <summary>Per frame, the UI's (x, y) pixel pairs of <c>in.handle_points_img_xy</c> → <c>in.target_points_img_xy</c>.</summary>
    public IReadOnlyList<IReadOnlyList<DragPair>> ImagePairs()
    {
        var handles = Io["in.handle_points_img_xy"].data<float>().ToArray();
        var targets = Io["in.target_points_img_xy"].data<float>().ToArray();
        int pairs = (int)Io["in.handle_points_img_xy"].shape[1];
        return Enumerable.Range(0, Frames).Select(f => (IReadOnlyList<DragPair>)Enumerable.Range(0, pairs).Select(j =>
        {
            int o = (f * pairs + j) * 2;
            return new DragPair(new DragPoint(handles[o], handles[o + 1]), new DragPoint(targets[o], targets[o + 1]));
        }).ToList()).ToList();
    }

    /// <summary>A stored <c>[..., frames, pairs, 2]</c> (row, col) point tensor as per-frame feature points (X = col, Y = row).</summary>
    public static IReadOnlyList<IReadOnlyList<DragPoint>> RowColPoints(Tensor points)
    {
        var v = points.data<float>().ToArray();
        int frames = (int)points.shape[^3], pairs = (int)points.shape[^2];
        return Enumerable.Range(0, frames).Select(f => (IReadOnlyList<DragPoint>)Enumerable.Range(0, pairs)
            .Select(j => new DragPoint(v[(f * pairs + j) * 2 + 1], v[(f * pairs + j) * 2])).ToList()).ToList();
    }

    /// <summary>The editable masks of <c>in.mask</c> (1 = editable), one per frame.</summary>
    public IReadOnlyList<BinaryMask> Masks()
    {
        var masks = Io["in.mask"];
        return Enumerable.Range(0, Frames).Select(f =>
        {
            using var frame = masks[f].to_type(ScalarType.Float32);
            return BinaryMask.FromTensor(frame);
        }).ToList();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        foreach (var t in Io.Values) t.Dispose();
    }
}
