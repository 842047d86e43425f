using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Tests.Unet;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Motion;

public class UNetMotionCompositionTests
{
    [Fact]
    public void A_video_unet_composed_from_the_image_unet_with_motion_off_denoises_each_frame_like_the_image_unet()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var unet = TinyUnets.LoadUnet2D();
        using var video = UNetMotionModel.FromUNet2D(unet, new MotionAdapterConfig { BlockOutChannels = new[] { 32, 64 }, MotionNumAttentionHeads = 2 });
        video.state_dict().Should().HaveCount(601);
        var io = TinyUnets.ReadIo("unet2d", "io.safetensors");

        // The two reference images as two frames of one video, at one timestep and one prompt.
        var frames = io["in.sample"].permute(1, 0, 2, 3).unsqueeze(0);   // [1, 4, 2, 16, 16]
        var text = io["in.encoder_hidden_states"][..1];
        var t = tensor(981L);
        video.MotionModulesEnabled = false;
        var perFrame = video.PredictNoise(frames, t, text);

        for (int f = 0; f < 2; f++)
        {
            var image = unet.PredictNoise(io["in.sample"][f..(f + 1)], t, text);
            TensorAssert.Close(perFrame[.., .., f], image, 1e-5, 1e-5, $"frame {f}");
        }
        video.MotionModulesEnabled = true;
        TensorAssert.MaxAbsDiff(video.PredictNoise(frames, t, text), perFrame).Should().BeGreaterThan(1e-3, "fresh motion modules still mix frames");
    }
}
