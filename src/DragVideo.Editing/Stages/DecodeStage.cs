using static TorchSharp.torch;

namespace DragVideo.Editing.Stages;

/// <summary>Decoding: the edited latent back to frames, frame by frame, as a clip that outlives the edit's dispose scope.</summary>
internal sealed class DecodeStage(ILatentCodec codec)
{
    /// <param name="state">the edit.</param>
    /// <param name="latent">ẑ_0 <c>[1, C, F, h, w]</c>.</param>
    public VideoClip Run(EditState state, Tensor latent)
    {
        state.Report(EditStage.Decoding, 0, 1, "VAE decoding frame by frame");
        var frames = codec.Decode(latent, state.Cancellation);
        frames.DetachFromDisposeScope();
        var edited = new VideoClip(frames, state.Clip.Fps);
        state.Report(EditStage.Decoding, 1, 1);
        state.Lap(EditStage.Decoding);
        return edited;
    }
}
