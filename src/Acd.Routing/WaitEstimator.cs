namespace Acd.Routing;

/// <summary>
/// Estimated wait time. A call at position k (1-based) among the waiting calls starts when k agents have become
/// free. With N staffed agents (available, reserved, on call or in wrap-up) each finishing a call every AHT on
/// average (AHT = rolling average of handle plus wrap-up time), agents free at a rate N/AHT, so the k-th frees
/// after k*AHT/N. Free agents (A) serve the first A positions at once. N is the effective staff: an agent who
/// serves k queues counts 1/k, since it splits its time between them. The figure follows staffing as it changes
/// because N is read at query time, not fixed at enqueue; its accuracy is measured by the routing-sim tool.
/// </summary>
public static class WaitEstimator
{
    public static TimeSpan? Estimate(int position, double staffedAgents, int availableAgents, double averageHandleMs)
    {
        if (position <= availableAgents)
        {
            return TimeSpan.Zero;
        }

        if (staffedAgents <= 0)
        {
            return null;
        }

        var ahead = position - availableAgents;
        return TimeSpan.FromMilliseconds(ahead * averageHandleMs / staffedAgents);
    }
}
