using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld.Training;

/// <summary>
/// Deterministic training batches from the toy world: batch <c>k</c> is a pure function of (seed, k), so a resumed run
/// sees exactly the data it would have seen, and no training scene shares a seed with the held-out ones.
/// </summary>
internal static class TrainingData
{
    /// <summary>Random single frames <c>[B, 3, H, W]</c> in [0, 1] for the VAE.</summary>
    public static Tensor Frames(int seed, int step, int batch)
    {
        var world = ToyWorldOptions.Default;
        int frameSize = 3 * world.Width * world.Height;
        var data = new float[frameSize * batch];
        for (int i = 0; i < batch; i++)
        {
            int sceneSeed = SceneSeed(seed, step, i, batch);
            var scene = ToyWorldGenerator.SampleScene(sceneSeed, world);
            int frame = (int)((uint)(sceneSeed * 2654435761u) % (uint)world.Frames);
            ToyWorldGenerator.RenderFrame(scene, frame, data.AsSpan(i * frameSize, frameSize));
        }
        return torch.tensor(data, new long[] { batch, 3, world.Height, world.Width });
    }

    /// <summary>Whole clips <c>[B, F, 3, H, W]</c> in [0, 1] for the video U-Net.</summary>
    public static Tensor Clips(int seed, int step, int batch)
    {
        var world = ToyWorldOptions.Default;
        int frameSize = 3 * world.Width * world.Height, clipSize = frameSize * world.Frames;
        var data = new float[clipSize * batch];
        for (int i = 0; i < batch; i++)
        {
            var scene = ToyWorldGenerator.SampleScene(SceneSeed(seed, step, i, batch), world);
            for (int f = 0; f < world.Frames; f++)
                ToyWorldGenerator.RenderFrame(scene, f, data.AsSpan(i * clipSize + f * frameSize, frameSize));
        }
        return torch.tensor(data, new long[] { batch, world.Frames, 3, world.Height, world.Width });
    }

    private static int SceneSeed(int seed, int step, int index, int batch)
        => TrainingSettings.FirstTrainingSeed + (int)(((long)seed * 7_919 + (long)step * batch + index) % 900_000_000);
}
