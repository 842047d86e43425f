namespace DragVideo.Editing.Drag;

/// <summary>How a sub-pixel handle picks the integer feature cell that centres its patch and its tracking window.</summary>
public enum HandleCellRounding
{
    /// <summary>The nearest cell (half away from zero). Our default: a handle at 22.7 uses cell 23.</summary>
    Nearest,

    /// <summary>
    /// Python's <c>int()</c>: truncation toward zero, as the released DragVideo code (<c>int(p)</c> for the
    /// motion-supervision patch and the tracking window). After tracking, the handle moves by the window offset and keeps
    /// its fractional part (<c>p − r' + row</c>), exactly as the released tracker.
    /// </summary>
    Truncate,
}

/// <summary>How frame-pixel points are mapped to feature pixels.</summary>
public enum DragPointMapping
{
    /// <summary>
    /// Pixel centres at integers on both grids: <c>f = (x + 0.5)·W'/W − 0.5</c> per axis, no rounding (our default; exact
    /// for any frame and feature size).
    /// </summary>
    PixelCentres,

    /// <summary>
    /// The released <c>process_points_to_sup_res</c>: <c>f = round(x / W · W')</c> per axis in float32, rounding half to
    /// even (<c>torch.round</c>), so every feature handle and target is an integer cell. Reported points map back with
    /// <c>x = f · W / W'</c>.
    /// </summary>
    ScaleAndRound,
}

/// <summary>When the drag loop checks that every handle has arrived.</summary>
public enum DragEarlyStopCheck
{
    /// <summary>
    /// After the step's point tracking, on the freshly tracked handles, before the update (our default, and
    /// DragDiffusion's order): no update is spent once the handles are there.
    /// </summary>
    AfterTracking,

    /// <summary>
    /// Before the step's point tracking, on the handles left by the previous step (the released DragVideo
    /// <c>perform_drag</c>): one more update runs after the handles arrive.
    /// </summary>
    BeforeTracking,
}
