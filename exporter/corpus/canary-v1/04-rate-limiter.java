// SPDX-License-Identifier: Apache-2.0
// Switchyard gateway: per-client request rate limiting.
//
// Every request that reaches the gateway carries a client key (an API key id, or the caller's
// address when no key is sent). The limiter answers one question per request: may it pass now,
// and if not, how long should the client wait? Two algorithms are offered because they fail in
// different ways: a token bucket allows short bursts and is cheap, a sliding-window counter is
// stricter at window edges. Both are driven by an injected clock so that tests never sleep.

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A source of monotonic time in nanoseconds; production uses System::nanoTime. */
interface NanoClock {
    long nanoTime();

    static NanoClock system() {
        return System::nanoTime;
    }
}

/** A clock that only moves when a test says so. */
final class ManualClock implements NanoClock {
    private long now;

    ManualClock(long start) {
        this.now = start;
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    synchronized void advance(long amount, TimeUnit unit) {
        if (amount < 0) {
            throw new IllegalArgumentException("a monotonic clock cannot go back: " + amount);
        }
        now += unit.toNanos(amount);
    }
}

/**
 * What the limiter decided for one request. The gateway sends the remaining count and the retry
 * hint back as RateLimit-Remaining and Retry-After, so clients can back off without guessing.
 */
record Decision(boolean allowed, long limit, long remaining, long retryAfterNanos) {
    static Decision allow(long limit, long remaining) {
        return new Decision(true, limit, remaining, 0L);
    }

    static Decision deny(long limit, long retryAfterNanos) {
        return new Decision(false, limit, 0L, retryAfterNanos);
    }

    /**
     * Retry-After is in whole seconds; rounding down would invite a retry that fails again. Written
     * without adding to the nanoseconds first, which would overflow for a request that can never pass.
     */
    long retryAfterSeconds() {
        long second = TimeUnit.SECONDS.toNanos(1);
        return retryAfterNanos / second + (retryAfterNanos % second == 0 ? 0 : 1);
    }
}

/** The one operation both algorithms offer. */
interface Limiter {
    Decision tryAcquire(int permits);
}

/**
 * Classic token bucket. The bucket holds up to {@code capacity} tokens and gains
 * {@code tokensPerPeriod} tokens each period; a request takes tokens or is refused. A token is
 * worth {@code periodNanos} units, so refill is elapsed nanoseconds times tokensPerPeriod units:
 * exact integer arithmetic that loses no fraction however slow the rate ("5/h" included).
 */
final class TokenBucket implements Limiter {
    private final NanoClock clock;
    private final long capacity;
    private final long tokensPerPeriod;
    private final long unitsPerToken;
    private final long maxUnits;
    private long units;
    private long lastRefill;

    TokenBucket(NanoClock clock, long capacity, long tokensPerPeriod, TimeUnit period) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        if (tokensPerPeriod <= 0) {
            throw new IllegalArgumentException("refill rate must be positive, got " + tokensPerPeriod);
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.capacity = capacity;
        this.tokensPerPeriod = tokensPerPeriod;
        this.unitsPerToken = period.toNanos(1);
        this.maxUnits = Math.multiplyExact(capacity, unitsPerToken);
        this.units = maxUnits;
        this.lastRefill = clock.nanoTime();
    }

    private void refill(long now) {
        long elapsed = now - lastRefill;
        if (elapsed <= 0) {
            return;
        }
        // Saturate instead of overflowing after a very long idle period.
        long gained;
        try {
            gained = Math.multiplyExact(elapsed, tokensPerPeriod);
        } catch (ArithmeticException overflow) {
            gained = Long.MAX_VALUE;
        }
        units = gained >= maxUnits - units ? maxUnits : units + gained;
        lastRefill = now;
    }

    @Override
    public synchronized Decision tryAcquire(int permits) {
        if (permits <= 0) {
            throw new IllegalArgumentException("permits must be positive, got " + permits);
        }
        if (permits > capacity) {
            // Could never succeed; say so instead of handing out a retry time that lies.
            return Decision.deny(capacity, Long.MAX_VALUE);
        }
        long now = clock.nanoTime();
        refill(now);
        long needed = permits * unitsPerToken;
        if (units >= needed) {
            units -= needed;
            return Decision.allow(capacity, units / unitsPerToken);
        }
        long missing = needed - units;
        long waitNanos = (missing + tokensPerPeriod - 1) / tokensPerPeriod;
        return Decision.deny(capacity, waitNanos);
    }

    synchronized long availableTokens() {
        refill(clock.nanoTime());
        return units / unitsPerToken;
    }
}

/**
 * Sliding-window counter: the count of the current fixed window plus the previous window's count
 * weighted by how much of it still overlaps the sliding window. It never lets a client send twice
 * the limit across a window boundary, which a plain fixed window does.
 */
final class SlidingWindowCounter implements Limiter {
    private final NanoClock clock;
    private final long limit;
    private final long windowNanos;
    private long windowStart;
    private long currentCount;
    private long previousCount;

    SlidingWindowCounter(NanoClock clock, long limit, long window, TimeUnit unit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        this.windowNanos = unit.toNanos(window);
        if (windowNanos <= 0) {
            throw new IllegalArgumentException("window must be positive");
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.limit = limit;
        this.windowStart = clock.nanoTime();
    }

    private void roll(long now) {
        long elapsed = now - windowStart;
        if (elapsed < windowNanos) {
            return;
        }
        long windowsPassed = elapsed / windowNanos;
        previousCount = windowsPassed == 1 ? currentCount : 0;
        currentCount = 0;
        windowStart += windowsPassed * windowNanos;
    }

    /** The estimated number of requests in the sliding window ending now. */
    private double estimate(long now) {
        double intoWindow = (double) (now - windowStart) / windowNanos;
        return previousCount * (1.0 - intoWindow) + currentCount;
    }

    @Override
    public synchronized Decision tryAcquire(int permits) {
        if (permits <= 0) {
            throw new IllegalArgumentException("permits must be positive, got " + permits);
        }
        long now = clock.nanoTime();
        roll(now);
        double used = estimate(now);
        if (used + permits <= limit) {
            currentCount += permits;
            long remaining = (long) Math.floor(limit - used - permits);
            return Decision.allow(limit, Math.max(0, remaining));
        }
        // Wait until enough of the previous window has slid out, or until the next window opens
        // when the current window alone is already over the limit.
        long waitNanos;
        if (currentCount + permits > limit || previousCount == 0) {
            waitNanos = windowStart + windowNanos - now;
        } else {
            double excess = used + permits - limit;
            double fractionToSlide = excess / previousCount;
            waitNanos = (long) Math.ceil(fractionToSlide * windowNanos);
        }
        return Decision.deny(limit, Math.max(1L, waitNanos));
    }
}

/**
 * A rate-limit policy as operators write it in the gateway config, for example
 * {@code "120/min burst 20"} or {@code "5/s"}. The burst only applies to the token bucket.
 */
record Policy(String name, long requests, TimeUnit per, long burst, boolean sliding) {
    Policy {
        Objects.requireNonNull(name, "name");
        if (requests <= 0) {
            throw new IllegalArgumentException(name + ": request count must be positive");
        }
        if (burst < 0) {
            throw new IllegalArgumentException(name + ": burst must not be negative");
        }
    }

    static Policy parse(String name, String text) {
        String[] words = text.trim().toLowerCase(Locale.ROOT).split("\\s+");
        if (words.length == 0 || words[0].isEmpty()) {
            throw new IllegalArgumentException(name + ": empty policy");
        }
        String[] rate = words[0].split("/", -1);
        if (rate.length != 2) {
            throw new IllegalArgumentException(name + ": expected COUNT/UNIT, got '" + words[0] + "'");
        }
        long count;
        try {
            count = Long.parseLong(rate[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + rate[0] + "' is not a whole number");
        }
        TimeUnit unit = switch (rate[1]) {
            case "s", "sec", "second" -> TimeUnit.SECONDS;
            case "m", "min", "minute" -> TimeUnit.MINUTES;
            case "h", "hour" -> TimeUnit.HOURS;
            default -> throw new IllegalArgumentException(name + ": unknown unit '" + rate[1] + "' (use s, min or h)");
        };
        long burst = 0;
        boolean sliding = false;
        for (int i = 1; i < words.length; i++) {
            switch (words[i]) {
                case "burst" -> {
                    if (i + 1 >= words.length) {
                        throw new IllegalArgumentException(name + ": 'burst' needs a number");
                    }
                    try {
                        burst = Long.parseLong(words[++i]);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(name + ": burst '" + words[i] + "' is not a whole number");
                    }
                }
                case "sliding" -> sliding = true;
                default -> throw new IllegalArgumentException(name + ": unexpected word '" + words[i] + "'");
            }
        }
        if (sliding && burst > 0) {
            throw new IllegalArgumentException(name + ": a sliding window has no burst");
        }
        return new Policy(name, count, unit, burst, sliding);
    }

    /**
     * Builds a fresh limiter for one client. A token bucket refills at requests per period and
     * holds the burst on top of one second's worth of refill (at least one token), so
     * "120/min burst 20" lets an idle client send 22 requests at once and then two a second.
     */
    Limiter newLimiter(NanoClock clock) {
        if (sliding) {
            return new SlidingWindowCounter(clock, requests, 1, per);
        }
        long periodSeconds = per.toSeconds(1);
        long steady = (requests + periodSeconds - 1) / periodSeconds;
        return new TokenBucket(clock, steady + burst, requests, per);
    }
}

/**
 * Limiters per client key, at most {@code maxKeys} of them. The least recently seen key is
 * dropped first: a flood of one-off keys (a scan with random API keys, say) must not grow the
 * gateway's heap without bound. A dropped key starts again with a full bucket, which is the
 * lenient failure and the right one for a gateway.
 */
final class KeyedLimiter {
    private final Function<String, Limiter> factory;
    private final int maxKeys;
    private final Map<String, Limiter> limiters;
    private long evictions;

    KeyedLimiter(Function<String, Limiter> factory, int maxKeys) {
        if (maxKeys <= 0) {
            throw new IllegalArgumentException("maxKeys must be positive, got " + maxKeys);
        }
        this.factory = Objects.requireNonNull(factory, "factory");
        this.maxKeys = maxKeys;
        this.limiters = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Limiter> eldest) {
                boolean full = size() > KeyedLimiter.this.maxKeys;
                if (full) {
                    evictions++;
                }
                return full;
            }
        };
    }

    Decision tryAcquire(String key, int permits) {
        Limiter limiter;
        synchronized (limiters) {
            limiter = limiters.computeIfAbsent(key, factory);
        }
        return limiter.tryAcquire(permits);
    }

    int trackedKeys() {
        synchronized (limiters) {
            return limiters.size();
        }
    }

    long evictions() {
        synchronized (limiters) {
            return evictions;
        }
    }
}

/**
 * Picks the client key for a request. API keys win over addresses; addresses behind the trusted
 * load balancer come from the last hop it appended to X-Forwarded-For, never the first, which
 * the client controls.
 */
final class ClientKeys {
    private ClientKeys() {
    }

    static String keyFor(Map<String, String> headers, String remoteAddress, boolean behindTrustedProxy) {
        String apiKey = headers.get("x-api-key-id");
        if (apiKey != null && !apiKey.isBlank()) {
            return "key:" + apiKey.trim();
        }
        if (behindTrustedProxy) {
            String forwarded = headers.get("x-forwarded-for");
            if (forwarded != null && !forwarded.isBlank()) {
                String[] hops = forwarded.split(",");
                return "addr:" + hops[hops.length - 1].trim();
            }
        }
        return "addr:" + remoteAddress;
    }
}

/**
 * A self-contained check of the behaviour above ({@code javac -d out *.java}, then
 * {@code java -cp out RateLimiterChecks}).
 * Each case prints its name and fails loudly; the gateway's real suite uses JUnit, this keeps the
 * file runnable on its own.
 */
final class RateLimiterChecks {
    private static final List<String> failures = new ArrayList<>();
    private static int passed;

    private RateLimiterChecks() {
    }

    private static void check(String name, boolean condition, String detail) {
        if (condition) {
            passed++;
        } else {
            failures.add(name + ": " + detail);
        }
    }

    static void tokenBucketAllowsBurstThenRefills() {
        ManualClock clock = new ManualClock(0);
        TokenBucket bucket = new TokenBucket(clock, 5, 2, TimeUnit.SECONDS);
        for (int i = 0; i < 5; i++) {
            check("burst " + i, bucket.tryAcquire(1).allowed(), "request " + i + " of the burst was refused");
        }
        Decision refused = bucket.tryAcquire(1);
        check("sixth refused", !refused.allowed(), "the bucket should be empty");
        check("retry hint", refused.retryAfterNanos() == TimeUnit.MILLISECONDS.toNanos(500),
                "expected 500 ms, got " + refused.retryAfterNanos() + " ns");
        clock.advance(500, TimeUnit.MILLISECONDS);
        check("after refill", bucket.tryAcquire(1).allowed(), "one token should have come back");
        clock.advance(1, TimeUnit.HOURS);
        check("capped", bucket.availableTokens() == 5, "an idle bucket must not exceed its capacity");
    }

    static void slidingWindowCountsThePreviousWindow() {
        ManualClock clock = new ManualClock(0);
        SlidingWindowCounter window = new SlidingWindowCounter(clock, 10, 1, TimeUnit.MINUTES);
        for (int i = 0; i < 10; i++) {
            window.tryAcquire(1);
        }
        clock.advance(60, TimeUnit.SECONDS);
        Decision atBoundary = window.tryAcquire(1);
        check("boundary", !atBoundary.allowed(), "the previous window still fully overlaps");
        clock.advance(30, TimeUnit.SECONDS);
        int allowed = 0;
        while (window.tryAcquire(1).allowed()) {
            allowed++;
        }
        check("half slid", allowed == 5, "half of the old window left room for 5, got " + allowed);
    }

    static void policiesParseAndReject() {
        Policy p = Policy.parse("partners", "120/min burst 20");
        check("parsed", p.requests() == 120 && p.per() == TimeUnit.MINUTES && p.burst() == 20, p.toString());
        String[] bad = {"", "120", "ten/s", "5/week", "5/s burst", "5/s sliding burst 3", "5/s loud"};
        for (String text : bad) {
            try {
                Policy.parse("bad", text);
                failures.add("policy '" + text + "' should have been rejected");
            } catch (IllegalArgumentException expected) {
                check("message for '" + text + "'", expected.getMessage().startsWith("bad:"), expected.getMessage());
            }
        }
    }

    static void policiesBuildTheLimitersTheyDescribe() {
        ManualClock clock = new ManualClock(0);
        Limiter partners = Policy.parse("partners", "120/min burst 20").newLimiter(clock);
        int burst = 0;
        while (partners.tryAcquire(1).allowed()) {
            burst++;
        }
        check("burst size", burst == 22, "expected 22 requests at once, got " + burst);
        clock.advance(500, TimeUnit.MILLISECONDS);
        check("steady rate", partners.tryAcquire(1).allowed(), "two a second means one per 500 ms");
        Limiter hourly = Policy.parse("batch", "5/h").newLimiter(clock);
        hourly.tryAcquire(1);
        Decision next = hourly.tryAcquire(1);
        check("slow rate", !next.allowed() && next.retryAfterSeconds() == 720,
                "5/h refills one token every 12 minutes, got " + next.retryAfterSeconds() + " s");
    }

    static void keyedLimiterBoundsItsMemory() {
        ManualClock clock = new ManualClock(0);
        KeyedLimiter keyed = new KeyedLimiter(key -> new TokenBucket(clock, 1, 1, TimeUnit.SECONDS), 3);
        for (String key : List.of("a", "b", "c", "d", "e")) {
            keyed.tryAcquire(key, 1);
        }
        check("bounded", keyed.trackedKeys() == 3, "expected 3 keys, got " + keyed.trackedKeys());
        check("evictions", keyed.evictions() == 2, "expected 2 evictions, got " + keyed.evictions());
        check("recent kept", !keyed.tryAcquire("e", 1).allowed(), "key e is still tracked and empty");
        check("old forgotten", keyed.tryAcquire("a", 1).allowed(), "key a was dropped and starts full");
    }

    static void clientKeysIgnoreSpoofedHops() {
        Map<String, String> headers = Map.of("x-forwarded-for", "6.6.6.6, 10.1.2.3");
        check("last hop", "addr:10.1.2.3".equals(ClientKeys.keyFor(headers, "10.0.0.9", true)), "took the wrong hop");
        check("untrusted", "addr:10.0.0.9".equals(ClientKeys.keyFor(headers, "10.0.0.9", false)), "trusted a header it should not");
        Map<String, String> keyed = Map.of("x-api-key-id", " k-42 ", "x-forwarded-for", "1.1.1.1");
        check("key wins", "key:k-42".equals(ClientKeys.keyFor(keyed, "10.0.0.9", true)), "the API key should win");
    }

    public static void main(String[] args) {
        tokenBucketAllowsBurstThenRefills();
        slidingWindowCountsThePreviousWindow();
        policiesParseAndReject();
        policiesBuildTheLimitersTheyDescribe();
        keyedLimiterBoundsItsMemory();
        clientKeysIgnoreSpoofedHops();
        Collections.sort(failures);
        for (String failure : failures) {
            System.out.println("FAIL " + failure);
        }
        System.out.println(passed + " checks passed, " + failures.size() + " failed");
        if (!failures.isEmpty()) {
            System.exit(1);
        }
    }
}
