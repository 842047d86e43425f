namespace DragVideo.Tracking;

/// <summary>
/// Tracks of a set of points over a run of frames <c>[First, Last]</c> (inclusive) in one direction.
/// </summary>
internal sealed class TrackSeries
{
    public TrackSeries(int first, int last, int pointCount)
    {
        First = first;
        Last = last;
        int n = last - first + 1;
        Positions = new DragPoint[n][];
        Visible = new bool[n][];
        Confidence = new float[n][];
        for (int i = 0; i < n; i++)
        {
            Positions[i] = new DragPoint[pointCount];
            Visible[i] = new bool[pointCount];
            Confidence[i] = new float[pointCount];
        }
    }

    public int First { get; }
    public int Last { get; }
    public DragPoint[][] Positions { get; }
    public bool[][] Visible { get; }
    public float[][] Confidence { get; }

    public bool Covers(int frame) => frame >= First && frame <= Last;
}
