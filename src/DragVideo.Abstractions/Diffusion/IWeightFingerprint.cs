namespace DragVideo;

/// <summary>
/// Identifies the weights behind a component (a latent codec, a prompt encoder, a backbone) for the edit cache: two
/// instances with the same fingerprint must produce the same outputs. <c>VaeLatentCodec</c> and
/// <c>ClipPromptEncoder</c> fingerprint their modules' weights. A custom component without a fingerprint gets an
/// identity valid only for that instance, so its results are never shared with another model's.
/// </summary>
public interface IWeightFingerprint
{
    /// <summary>A stable string that changes whenever the weights change (e.g. a hash of them).</summary>
    string WeightFingerprint { get; }
}
