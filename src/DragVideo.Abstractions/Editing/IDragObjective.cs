using static TorchSharp.torch;

namespace DragVideo;

/// <summary>
/// Everything a drag objective may use at one optimisation step. Coordinates of <see cref="Pairs"/> are in
/// feature-map pixels (x right, y down).
/// </summary>
/// <param name="Features">current features F(ẑ_t), float <c>[F, C, H', W']</c>, carrying gradient to the latent.</param>
/// <param name="Pairs">per frame: the current handle (after point tracking) and the target of each pair.</param>
/// <param name="EditedPrevLatent">ẑ_{t−1}: one DDIM step from the current latent, <c>[1, 4, F, h, w]</c>, or null (see <see cref="IDragObjective.NeedsPreviousLatents"/>).</param>
/// <param name="OriginalPrevLatent">z_{t−1}: the same step from the un-edited latent (no gradient), or null.</param>
/// <param name="LatentMask">editable mask at latent size, float <c>[F, 1, h, w]</c> (1 = editable).</param>
public sealed record DragObjectiveInput(
    Tensor Features,
    IReadOnlyList<IReadOnlyList<DragPair>> Pairs,
    Tensor? EditedPrevLatent,
    Tensor? OriginalPrevLatent,
    Tensor LatentMask);

/// <summary>
/// The loss minimised by the drag latent optimiser. The default is the paper's motion supervision (Eq. 3); researchers
/// implement this to try their own objectives.
/// </summary>
public interface IDragObjective
{
    /// <summary>
    /// True when the objective needs <see cref="DragObjectiveInput.EditedPrevLatent"/> and
    /// <see cref="DragObjectiveInput.OriginalPrevLatent"/>. They cost a full U-Net pass per step instead of one truncated
    /// after the last feature block, so the optimiser supplies them only when this is true and the mask leaves some region
    /// fixed; otherwise both are null.
    /// </summary>
    bool NeedsPreviousLatents { get; }

    /// <summary>Returns a scalar loss tensor with gradient.</summary>
    Tensor ComputeLoss(DragObjectiveInput input);
}
