using DragVideo.Diffusion.Schedulers;
using DragVideo.Diffusion.Tests.Unet;
using DragVideo.Testing;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Ddim;

[Trait("Category", "Slow")]
public sealed class DdimInversionMotionUNetTests
{
    [Fact]
    public void Invert_drives_the_real_video_unet_once_per_step_and_equals_the_chained_steps()
    {
        using var model = TinyUnets.LoadMotion();
        model.eval();
        var io = TinyUnets.ReadIo("motion", "io.safetensors");
        try
        {
            var scheduler = DdimScheduler.FromPretrained(Fixtures.PathOf("ddim", "scheduler_config.json"));
            scheduler.SetTimesteps(50); // for the chained Step calls below: Invert itself never changes the scheduler
            var inversion = new DdimInversion(scheduler);
            var latents = io["in.sample"];
            var text = io["in.encoder_hidden_states"];
            using var result = inversion.Invert(model, latents, text, new DdimInversionOptions { ActualSteps = 2 });
            result.Timestep.Should().Be(21);
            result.Latents.shape.Should().Equal(latents.shape);

            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = latents;
            foreach (long t in new long[] { 1, 21 })
            {
                var eps = model.PredictNoise(x, tensor(t), text);
                (x, _) = inversion.Step(eps, t, x);
            }
            TensorAssert.Close(result.Latents, x, 1e-6, 1e-6, "loop vs chained steps");
            TensorAssert.MaxAbsDiff(result.Latents, latents).Should().BeGreaterThan(1e-3);
        }
        finally
        {
            foreach (var t in io.Values) t.Dispose();
        }
    }
}
