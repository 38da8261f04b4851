-- SPDX-License-Identifier: Apache-2.0
--
-- Depot inventory service: the database schema as its migrations build it, the functions the
-- service calls, and the queries behind its API and reports.
--
-- Layout of this file:
--   1. migrations 0030 to 0048, in order, each recorded in schema_migrations;
--   2. the queries the service prepares at start-up (PREPARE ... AS), one per endpoint or report;
--   3. a self-check that loads a small fixture, exercises the functions and queries, and rolls back.
--
-- Run it top to bottom on an empty PostgreSQL 14 or later database:
--     psql -v ON_ERROR_STOP=1 -f 10-inventory-schema.sql
--
-- Conventions. Quantities are integers in the SKU's base unit. Every timestamp is timestamptz and
-- every session runs in UTC, so a date converts to midnight UTC. Movements are never updated or
-- deleted: a mistake is corrected by another movement, and every stock figure can be recomputed
-- from the movement history. Custom SQLSTATEs in class DH (for "Depot, holds") and DS ("Depot,
-- stock") are mapped by the service to HTTP statuses; the last three digits say which.

SET TIME ZONE 'UTC';
SET client_min_messages = warning;

CREATE TABLE schema_migrations (
    version    text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now(),
    -- Online migrations may run while the previous release serves traffic.
    online     boolean NOT NULL
);


-- =================================================================================================
-- 0030_base (Depot 3.0): sites, SKUs, bins, the movement history and reservations.
-- Online: yes (new tables only). Production: a few seconds.
-- =================================================================================================
BEGIN;

CREATE TABLE sites (
    code      text PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
    name      text NOT NULL,
    time_zone text NOT NULL,
    opened_on date NOT NULL
);

CREATE TABLE skus (
    code         text PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{2,39}$'),
    description  text NOT NULL,
    category     text NOT NULL,
    -- The unit every quantity of this SKU counts: hose sold by length counts centimetres.
    base_unit    text NOT NULL CHECK (base_unit IN ('piece', 'cm', 'g', 'ml')),
    discontinued boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bins (
    site text NOT NULL REFERENCES sites (code),
    code text NOT NULL CHECK (code ~ '^[A-Z]+(-[0-9A-Z]+)+$'),
    -- Stock in the quarantine zone is on hand but not available (the 3.0 change of meaning).
    zone text NOT NULL CHECK (zone IN ('goods_in', 'quarantine', 'bulk', 'pick_face', 'returns', 'dispatch')),
    PRIMARY KEY (site, code)
);

CREATE TYPE movement_type AS ENUM ('receipt', 'pick', 'adjustment', 'transfer_out', 'transfer_in', 'return');

CREATE TABLE movements (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type         movement_type NOT NULL,
    sku          text NOT NULL REFERENCES skus (code),
    site         text NOT NULL,
    bin          text NOT NULL,
    quantity     integer NOT NULL CHECK (quantity <> 0),
    -- When it happened, as opposed to when it was recorded: a late delivery note is back-dated.
    effective_at timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    order_id     text,
    note         text,
    FOREIGN KEY (site, bin) REFERENCES bins (site, code),
    CONSTRAINT movement_sign CHECK (
        (type IN ('receipt', 'transfer_in', 'return') AND quantity > 0)
        OR (type IN ('pick', 'transfer_out') AND quantity < 0)
        OR type = 'adjustment'
    ),
    CONSTRAINT picks_name_their_order CHECK (type <> 'pick' OR order_id IS NOT NULL)
);

-- The report queries filter by site and type over a time window; the per-SKU history by SKU.
CREATE INDEX movements_site_type_time ON movements (site, type, effective_at);
CREATE INDEX movements_sku_site_time ON movements (sku, site, effective_at);

CREATE TABLE reservations (
    id         text PRIMARY KEY,
    sku        text NOT NULL REFERENCES skus (code),
    site       text NOT NULL REFERENCES sites (code),
    order_id   text NOT NULL,
    line       integer NOT NULL CHECK (line >= 0),
    quantity   integer NOT NULL CHECK (quantity > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    ended_at   timestamptz,
    end_reason text CHECK (end_reason IN ('picked', 'cancelled', 'stale', 'moved')),
    UNIQUE (order_id, line),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);

CREATE INDEX reservations_open ON reservations (sku, site) WHERE ended_at IS NULL;

INSERT INTO schema_migrations (version, online) VALUES ('0030_base', true);
COMMIT;


-- =================================================================================================
-- 0036_stock_levels (Depot 3.2): current levels kept in tables instead of summed on every read.
-- Online: yes, but slow (about 25 minutes for 40 million movements): the backfill reads the whole
-- history. 3.1 keeps serving meanwhile; 3.2 refuses to start until this migration is recorded.
-- =================================================================================================
BEGIN;

CREATE TABLE bin_levels (
    site    text NOT NULL,
    bin     text NOT NULL,
    sku     text NOT NULL REFERENCES skus (code),
    on_hand integer NOT NULL,
    PRIMARY KEY (site, bin, sku),
    FOREIGN KEY (site, bin) REFERENCES bins (site, code)
);

CREATE TABLE stock_levels (
    sku        text NOT NULL REFERENCES skus (code),
    site       text NOT NULL REFERENCES sites (code),
    on_hand    integer NOT NULL DEFAULT 0,
    quarantine integer NOT NULL DEFAULT 0,
    reserved   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (sku, site)
);

INSERT INTO bin_levels (site, bin, sku, on_hand)
SELECT site, bin, sku, sum(quantity)
FROM movements
GROUP BY site, bin, sku;

INSERT INTO stock_levels (sku, site, on_hand, quarantine)
SELECT l.sku, l.site, sum(l.on_hand), coalesce(sum(l.on_hand) FILTER (WHERE b.zone = 'quarantine'), 0)
FROM bin_levels l
JOIN bins b ON b.site = l.site AND b.code = l.bin
GROUP BY l.sku, l.site;

UPDATE stock_levels s
SET reserved = r.quantity
FROM (
    SELECT sku, site, sum(quantity) AS quantity
    FROM reservations
    WHERE ended_at IS NULL
    GROUP BY sku, site
) r
WHERE s.sku = r.sku AND s.site = r.site;

-- Levels change only through these triggers, in the transaction of the change itself. Each
-- update adds to the stored value in one statement, which the row lock serialises: reading the
-- level and writing it back lost updates when two handhelds booked the same tote in the same
-- millisecond (the 3.2.3 fix).
CREATE FUNCTION apply_movement() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    moved_zone text;
BEGIN
    SELECT zone INTO STRICT moved_zone FROM bins WHERE site = NEW.site AND code = NEW.bin;

    INSERT INTO bin_levels (site, bin, sku, on_hand)
    VALUES (NEW.site, NEW.bin, NEW.sku, NEW.quantity)
    ON CONFLICT (site, bin, sku) DO UPDATE SET on_hand = bin_levels.on_hand + EXCLUDED.on_hand;

    INSERT INTO stock_levels (sku, site, on_hand, quarantine)
    VALUES (NEW.sku, NEW.site, NEW.quantity, CASE WHEN moved_zone = 'quarantine' THEN NEW.quantity ELSE 0 END)
    ON CONFLICT (sku, site) DO UPDATE
    SET on_hand = stock_levels.on_hand + EXCLUDED.on_hand,
        quarantine = stock_levels.quarantine + EXCLUDED.quarantine;
    RETURN NULL;
END;
$$;

CREATE TRIGGER movements_apply AFTER INSERT ON movements
FOR EACH ROW EXECUTE FUNCTION apply_movement();

CREATE FUNCTION track_reserved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.ended_at IS NULL THEN
        INSERT INTO stock_levels (sku, site, reserved) VALUES (NEW.sku, NEW.site, NEW.quantity)
        ON CONFLICT (sku, site) DO UPDATE SET reserved = stock_levels.reserved + EXCLUDED.reserved;
    ELSIF TG_OP = 'UPDATE' AND OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL THEN
        UPDATE stock_levels SET reserved = reserved - OLD.quantity
        WHERE sku = OLD.sku AND site = OLD.site;
    ELSIF TG_OP = 'UPDATE' AND (NEW.quantity <> OLD.quantity OR NEW.sku <> OLD.sku OR NEW.site <> OLD.site) THEN
        RAISE EXCEPTION 'reservation %: change quantity, SKU or site by ending it and creating another', OLD.id
            USING ERRCODE = 'DS422';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER reservations_track AFTER INSERT OR UPDATE ON reservations
FOR EACH ROW EXECUTE FUNCTION track_reserved();

INSERT INTO schema_migrations (version, online) VALUES ('0036_stock_levels', true);
COMMIT;


-- =================================================================================================
-- 0037_snapshots (Depot 3.2): a copy of every level at midnight UTC, kept two years.
-- Online: yes.
-- =================================================================================================
BEGIN;

CREATE TABLE snapshots (
    taken_on date PRIMARY KEY,
    -- The moment the copy was taken; movements recorded later but effective earlier are the
    -- back-dated corrections that reports of that day must add on read (the 3.3.0 fix).
    taken_at timestamptz NOT NULL
);

CREATE TABLE stock_snapshots (
    taken_on   date NOT NULL REFERENCES snapshots (taken_on) ON DELETE CASCADE,
    sku        text NOT NULL,
    site       text NOT NULL,
    on_hand    integer NOT NULL,
    quarantine integer NOT NULL,
    reserved   integer NOT NULL,
    PRIMARY KEY (taken_on, site, sku)
);

CREATE FUNCTION take_snapshot(day date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    copied integer;
BEGIN
    INSERT INTO snapshots (taken_on, taken_at) VALUES (day, now());
    INSERT INTO stock_snapshots (taken_on, sku, site, on_hand, quarantine, reserved)
    SELECT day, sku, site, on_hand, quarantine, reserved FROM stock_levels;
    GET DIAGNOSTICS copied = ROW_COUNT;
    RETURN copied;
END;
$$;

INSERT INTO schema_migrations (version, online) VALUES ('0037_snapshots', true);
COMMIT;


-- =================================================================================================
-- 0038_bin_capacity (Depot 3.2): bins may declare how many units fit.
-- Online: yes. NULL means unlimited (every bin before 3.2); 0 means "do not put away here", which
-- is how Bristol blocks bins under repair (3.2.1).
-- =================================================================================================
BEGIN;

ALTER TABLE bins ADD COLUMN capacity_units integer CHECK (capacity_units >= 0);

INSERT INTO schema_migrations (version, online) VALUES ('0038_bin_capacity', true);
COMMIT;


-- =================================================================================================
-- 0041_transfers (Depot 3.3): moving stock between sites.
-- Online: yes. Stock in transit belongs to neither site: the sender books a transfer_out movement
-- at dispatch, the receiver a transfer_in at receipt, and in between the lines are the record.
-- =================================================================================================
BEGIN;

CREATE TYPE transfer_state AS ENUM ('created', 'dispatched', 'partially_received', 'received', 'cancelled');

CREATE TABLE transfers (
    id            text PRIMARY KEY,
    from_site     text NOT NULL REFERENCES sites (code),
    to_site       text NOT NULL REFERENCES sites (code),
    state         transfer_state NOT NULL DEFAULT 'created',
    created_at    timestamptz NOT NULL DEFAULT now(),
    dispatched_at timestamptz,
    closed_at     timestamptz,
    CHECK (from_site <> to_site),
    CHECK ((state = 'created') = (dispatched_at IS NULL) OR state = 'cancelled')
);

CREATE TABLE transfer_lines (
    transfer_id text NOT NULL REFERENCES transfers (id),
    sku         text NOT NULL REFERENCES skus (code),
    -- Zero quantities were accepted before 3.3.5 and produced transfers nobody could receive.
    quantity    integer NOT NULL CHECK (quantity > 0),
    received    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (transfer_id, sku),
    CHECK (received BETWEEN 0 AND quantity)
);

CREATE TABLE transfer_discrepancies (
    transfer_id text NOT NULL,
    sku         text NOT NULL,
    missing     integer NOT NULL CHECK (missing > 0),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    explanation text,
    PRIMARY KEY (transfer_id, sku),
    FOREIGN KEY (transfer_id, sku) REFERENCES transfer_lines (transfer_id, sku)
);

-- What is on the road: dispatched lines not yet received, seen from both ends.
CREATE VIEW in_transit AS
SELECT t.from_site AS site, l.sku, 0 AS incoming, l.quantity - l.received AS outgoing, t.id AS transfer_id, t.dispatched_at
FROM transfers t JOIN transfer_lines l ON l.transfer_id = t.id
WHERE t.state IN ('dispatched', 'partially_received') AND l.received < l.quantity
UNION ALL
SELECT t.to_site, l.sku, l.quantity - l.received, 0, t.id, t.dispatched_at
FROM transfers t JOIN transfer_lines l ON l.transfer_id = t.id
WHERE t.state IN ('dispatched', 'partially_received') AND l.received < l.quantity;

INSERT INTO schema_migrations (version, online) VALUES ('0041_transfers', true);
COMMIT;


-- =================================================================================================
-- 0042_adjustment_reasons (Depot 3.3): every manual adjustment carries a reason; cost prices with
-- their validity, so reports value history at the price of the day.
-- Online: yes. The backfill runs in batches of 5,000 rows, each its own transaction, so that no
-- lock is held for long; this block therefore runs outside BEGIN/COMMIT.
-- =================================================================================================
ALTER TABLE movements ADD COLUMN reason text;

DO $$
DECLARE
    touched integer;
BEGIN
    LOOP
        UPDATE movements SET reason = 'other', note = coalesce(note, 'before 3.3')
        WHERE id IN (
            SELECT id FROM movements WHERE type = 'adjustment' AND reason IS NULL LIMIT 5000
        );
        GET DIAGNOSTICS touched = ROW_COUNT;
        EXIT WHEN touched = 0;
        COMMIT;
    END LOOP;
END;
$$;

BEGIN;

-- NOT VALID first, then VALIDATE: adding a checked constraint in one step scans the table under
-- a lock that blocks writes; validating afterwards takes a weaker one.
ALTER TABLE movements ADD CONSTRAINT adjustments_have_reasons CHECK (
    (type = 'adjustment') = (reason IS NOT NULL)
    AND (reason IS NULL OR reason IN ('damaged', 'found', 'count-correction', 'theft', 'sample', 'other'))
    AND (reason IS DISTINCT FROM 'other' OR coalesce(note, '') <> '')
) NOT VALID;
ALTER TABLE movements VALIDATE CONSTRAINT adjustments_have_reasons;

CREATE TABLE cost_prices (
    sku        text NOT NULL REFERENCES skus (code),
    valid_from date NOT NULL,
    cost_pence integer NOT NULL CHECK (cost_pence >= 0),
    PRIMARY KEY (sku, valid_from)
);

INSERT INTO schema_migrations (version, online) VALUES ('0042_adjustment_reasons', true);
COMMIT;


-- =================================================================================================
-- 0047_holds (Depot 3.4): short-lived reservations for checkouts that are not paid yet.
-- Online: yes (about 6 seconds in production). See the design review "Reservation holds for
-- online orders" for the reasoning; the functions below are what the /v3/holds endpoints call.
-- =================================================================================================
BEGIN;

CREATE TABLE holds (
    -- The service makes ids (hold_ + ULID); the default serves tools and tests.
    id              text PRIMARY KEY DEFAULT 'hold_' || replace(gen_random_uuid()::text, '-', ''),
    sku             text NOT NULL REFERENCES skus (code),
    site            text NOT NULL REFERENCES sites (code),
    quantity        integer NOT NULL CHECK (quantity > 0),
    state           text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'confirmed', 'released', 'expired')),
    client          text NOT NULL,
    idempotency_key text CHECK (length(idempotency_key) <= 128),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    reservation_id  text REFERENCES reservations (id),
    UNIQUE (client, idempotency_key),
    CHECK ((state = 'active') = (ended_at IS NULL)),
    CHECK ((state = 'confirmed') = (reservation_id IS NOT NULL))
);

-- Both indexes cover active holds only, so they stay small however many finished holds pile up.
CREATE INDEX holds_due ON holds (expires_at) WHERE state = 'active';
CREATE INDEX holds_active_by_level ON holds (sku, site) WHERE state = 'active';

ALTER TABLE stock_levels ADD COLUMN held integer NOT NULL DEFAULT 0;
ALTER TABLE stock_snapshots ADD COLUMN held integer NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION take_snapshot(day date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    copied integer;
BEGIN
    INSERT INTO snapshots (taken_on, taken_at) VALUES (day, now());
    INSERT INTO stock_snapshots (taken_on, sku, site, on_hand, quarantine, reserved, held)
    SELECT day, sku, site, on_hand, quarantine, reserved, held FROM stock_levels;
    GET DIAGNOSTICS copied = ROW_COUNT;
    RETURN copied;
END;
$$;

-- Per-client caps are configuration (design decision 8): operations can raise them in an
-- incident with one UPDATE, without a release.
CREATE TABLE hold_caps (
    client        text PRIMARY KEY,
    units_per_sku integer NOT NULL DEFAULT 50 CHECK (units_per_sku > 0),
    active_holds  integer NOT NULL DEFAULT 20000 CHECK (active_holds > 0),
    max_ttl       interval NOT NULL DEFAULT '30 minutes' CHECK (max_ttl > interval '0')
);

CREATE FUNCTION grant_hold(p_sku text, p_site text, p_quantity integer, p_ttl interval, p_client text, p_key text)
RETURNS holds
LANGUAGE plpgsql AS $$
DECLARE
    caps     hold_caps%ROWTYPE;
    previous holds%ROWTYPE;
    level    stock_levels%ROWTYPE;
    granted  holds%ROWTYPE;
    free     integer;
    mine     integer;
BEGIN
    SELECT * INTO caps FROM hold_caps WHERE client = p_client;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'client % may not create holds', p_client USING ERRCODE = 'DH403';
    END IF;
    IF p_quantity IS NULL OR p_quantity <= 0 THEN
        RAISE EXCEPTION 'quantity must be positive, got %', p_quantity USING ERRCODE = 'DH422';
    END IF;
    IF p_ttl <= interval '0' OR p_ttl > caps.max_ttl THEN
        RAISE EXCEPTION 'ttl must be between 1 second and %, got %', caps.max_ttl, p_ttl USING ERRCODE = 'DH422';
    END IF;

    -- A retried request gets the first answer; the same key for a different request is a client bug.
    IF p_key IS NOT NULL THEN
        SELECT * INTO previous FROM holds WHERE client = p_client AND idempotency_key = p_key;
        IF FOUND THEN
            IF (previous.sku, previous.site, previous.quantity) IS DISTINCT FROM (p_sku, p_site, p_quantity) THEN
                RAISE EXCEPTION 'idempotency key already used for a different request' USING ERRCODE = 'DH422';
            END IF;
            RETURN previous;
        END IF;
    END IF;

    -- The row lock serialises holds and reservations for this SKU at this site, and nothing else.
    SELECT * INTO level FROM stock_levels WHERE sku = p_sku AND site = p_site FOR UPDATE;
    free := coalesce(level.on_hand - level.reserved - level.quarantine - level.held, 0);
    IF free < p_quantity THEN
        RAISE EXCEPTION 'only % of % available at %', greatest(free, 0), p_sku, p_site
            USING ERRCODE = 'DH409', DETAIL = greatest(free, 0)::text;
    END IF;

    SELECT coalesce(sum(quantity), 0) INTO mine
    FROM holds WHERE state = 'active' AND client = p_client AND sku = p_sku AND site = p_site;
    IF mine + p_quantity > caps.units_per_sku THEN
        RAISE EXCEPTION 'hold cap of % units per SKU and site reached for %', caps.units_per_sku, p_client
            USING ERRCODE = 'DH429';
    END IF;
    IF (SELECT count(*) FROM holds WHERE state = 'active' AND client = p_client) >= caps.active_holds THEN
        RAISE EXCEPTION 'cap of % active holds reached for %', caps.active_holds, p_client USING ERRCODE = 'DH429';
    END IF;

    INSERT INTO holds (sku, site, quantity, client, idempotency_key, expires_at)
    VALUES (p_sku, p_site, p_quantity, p_client, p_key, now() + p_ttl)
    RETURNING * INTO granted;
    UPDATE stock_levels SET held = held + p_quantity WHERE sku = p_sku AND site = p_site;
    RETURN granted;
END;
$$;

-- Turns an active hold into a reservation for one order line. Idempotent for the same line.
CREATE FUNCTION confirm_hold(p_hold text, p_order text, p_line integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    h        holds%ROWTYPE;
    existing reservations%ROWTYPE;
    res_id   text;
BEGIN
    SELECT * INTO h FROM holds WHERE id = p_hold FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'hold % does not exist', p_hold USING ERRCODE = 'DH404';
    END IF;
    IF h.state = 'confirmed' THEN
        SELECT * INTO existing FROM reservations WHERE id = h.reservation_id;
        IF (existing.order_id, existing.line) = (p_order, p_line) THEN
            RETURN existing.id;
        END IF;
        RAISE EXCEPTION 'hold % was confirmed for order % line %', p_hold, existing.order_id, existing.line
            USING ERRCODE = 'DH409';
    END IF;
    -- Expired from expires_at on, whether or not the worker has released it yet.
    IF h.state <> 'active' OR h.expires_at <= now() THEN
        RAISE EXCEPTION 'hold % is %', p_hold, CASE WHEN h.state = 'active' THEN 'expired' ELSE h.state END
            USING ERRCODE = 'DH410';
    END IF;

    res_id := 'res_' || replace(gen_random_uuid()::text, '-', '');
    INSERT INTO reservations (id, sku, site, order_id, line, quantity)
    VALUES (res_id, h.sku, h.site, p_order, p_line, h.quantity);
    UPDATE holds SET state = 'confirmed', ended_at = now(), reservation_id = res_id WHERE id = p_hold;
    UPDATE stock_levels SET held = held - h.quantity WHERE sku = h.sku AND site = h.site;
    RETURN res_id;
END;
$$;

-- Gives a hold up before it expires; false when it had already ended one way or another.
CREATE FUNCTION release_hold(p_hold text) RETURNS boolean
LANGUAGE sql AS $$
    WITH released AS (
        UPDATE holds SET state = 'released', ended_at = now()
        WHERE id = p_hold AND state = 'active'
        RETURNING sku, site, quantity
    ), adjusted AS (
        UPDATE stock_levels l SET held = l.held - r.quantity
        FROM released r WHERE l.sku = r.sku AND l.site = r.site
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM adjusted);
$$;

-- One pass of the expiry worker. Every instance runs it every second (five when idle); SKIP
-- LOCKED lets them share the work without waiting for each other or releasing a hold twice, and
-- the batch is released in one statement (releasing row by row made the 2031 load test fail).
CREATE FUNCTION expire_holds(batch integer DEFAULT 200) RETURNS integer
LANGUAGE sql AS $$
    WITH due AS (
        SELECT id FROM holds
        WHERE state = 'active' AND expires_at <= now()
        ORDER BY expires_at
        LIMIT batch
        FOR UPDATE SKIP LOCKED
    ), expired AS (
        UPDATE holds h SET state = 'expired', ended_at = now()
        FROM due WHERE h.id = due.id
        RETURNING h.sku, h.site, h.quantity
    ), per_level AS (
        SELECT sku, site, sum(quantity) AS quantity, count(*) AS holds
        FROM expired GROUP BY sku, site
    ), adjusted AS (
        UPDATE stock_levels l SET held = l.held - p.quantity
        FROM per_level p WHERE l.sku = p.sku AND l.site = p.site
        RETURNING p.holds
    )
    SELECT coalesce(sum(holds), 0)::integer FROM adjusted;
$$;

-- The nightly sweep ends reservations whose orders were abandoned without a cancellation. It
-- reads reservations only: holds have their own expiry (design decision 5 asks for the test).
CREATE FUNCTION sweep_stale_reservations(older_than interval, batch integer DEFAULT 2000) RETURNS integer
LANGUAGE sql AS $$
    WITH stale AS (
        SELECT id FROM reservations
        WHERE ended_at IS NULL AND created_at < now() - older_than
        ORDER BY created_at
        LIMIT batch
        FOR UPDATE SKIP LOCKED
    ), ended AS (
        UPDATE reservations r SET ended_at = now(), end_reason = 'stale'
        FROM stale WHERE r.id = stale.id
        RETURNING 1
    )
    SELECT count(*)::integer FROM ended;
$$;

-- The availability every stock endpoint reads, one row per (SKU, site) with a level; it replaces
-- the query the service built in code before 3.4.
CREATE VIEW stock_availability AS
SELECT l.sku, l.site, l.on_hand, l.reserved, l.held, l.quarantine,
       -- Kept without holds until 4.0 so that existing clients see no change (3.4 release notes).
       l.on_hand - l.reserved - l.quarantine AS available,
       l.on_hand - l.reserved - l.quarantine - l.held AS available_after_holds,
       coalesce(t.incoming, 0) AS incoming,
       coalesce(t.outgoing, 0) AS outgoing
FROM stock_levels l
LEFT JOIN (
    SELECT sku, site, sum(incoming)::integer AS incoming, sum(outgoing)::integer AS outgoing
    FROM in_transit GROUP BY sku, site
) t ON t.sku = l.sku AND t.site = l.site;

INSERT INTO schema_migrations (version, online) VALUES ('0047_holds', true);
COMMIT;


-- =================================================================================================
-- 0048_relocate (Depot 3.4.2): a move between two bins of one site is one movement, not two.
-- Online: yes. ALTER TYPE ... ADD VALUE may run in a transaction since PostgreSQL 12, but the new
-- value cannot be used before that transaction commits, so the enum change commits on its own.
-- =================================================================================================
ALTER TYPE movement_type ADD VALUE 'relocate';

BEGIN;

ALTER TABLE movements ADD COLUMN to_bin text;
ALTER TABLE movements ADD CONSTRAINT relocations_name_both_bins
    FOREIGN KEY (site, to_bin) REFERENCES bins (site, code);
ALTER TABLE movements DROP CONSTRAINT movement_sign;
ALTER TABLE movements ADD CONSTRAINT movement_sign CHECK (
    (type IN ('receipt', 'transfer_in', 'return', 'relocate') AND quantity > 0)
    OR (type IN ('pick', 'transfer_out') AND quantity < 0)
    OR type = 'adjustment'
) NOT VALID;
ALTER TABLE movements VALIDATE CONSTRAINT movement_sign;
ALTER TABLE movements ADD CONSTRAINT relocations_have_targets CHECK (
    (type = 'relocate') = (to_bin IS NOT NULL) AND to_bin IS DISTINCT FROM bin
) NOT VALID;
ALTER TABLE movements VALIDATE CONSTRAINT relocations_have_targets;

-- A relocation leaves the site's on-hand alone but moves stock between bins, and between zones:
-- moving a pallet out of quarantine into bulk storage is how goods-in releases it after inspection.
CREATE FUNCTION apply_relocation() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    from_zone text;
    to_zone   text;
    released  integer;
BEGIN
    SELECT zone INTO STRICT from_zone FROM bins WHERE site = NEW.site AND code = NEW.bin;
    SELECT zone INTO STRICT to_zone FROM bins WHERE site = NEW.site AND code = NEW.to_bin;

    UPDATE bin_levels SET on_hand = on_hand - NEW.quantity
    WHERE site = NEW.site AND bin = NEW.bin AND sku = NEW.sku AND on_hand >= NEW.quantity;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'bin % holds less than % of %', NEW.bin, NEW.quantity, NEW.sku USING ERRCODE = 'DS409';
    END IF;
    INSERT INTO bin_levels (site, bin, sku, on_hand) VALUES (NEW.site, NEW.to_bin, NEW.sku, NEW.quantity)
    ON CONFLICT (site, bin, sku) DO UPDATE SET on_hand = bin_levels.on_hand + EXCLUDED.on_hand;

    released := (CASE WHEN from_zone = 'quarantine' THEN NEW.quantity ELSE 0 END)
              - (CASE WHEN to_zone = 'quarantine' THEN NEW.quantity ELSE 0 END);
    IF released <> 0 THEN
        UPDATE stock_levels SET quarantine = quarantine - released WHERE sku = NEW.sku AND site = NEW.site;
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER movements_apply ON movements;
CREATE TRIGGER movements_apply AFTER INSERT ON movements
FOR EACH ROW WHEN (NEW.type <> 'relocate') EXECUTE FUNCTION apply_movement();
CREATE TRIGGER movements_relocate AFTER INSERT ON movements
FOR EACH ROW WHEN (NEW.type = 'relocate') EXECUTE FUNCTION apply_relocation();

-- `depot verify-levels`: recompute every level from the history and list the differences. First
-- written for 0036; rewritten here, since a relocation counts twice (out of one zone, into another).
CREATE FUNCTION verify_levels()
RETURNS TABLE (sku text, site text, figure text, stored integer, computed integer)
LANGUAGE sql STABLE AS $$
    WITH contributions AS (
        SELECT m.sku, m.site, b.zone, m.quantity
        FROM movements m JOIN bins b ON b.site = m.site AND b.code = m.bin
        WHERE m.type <> 'relocate'
        UNION ALL
        SELECT m.sku, m.site, b.zone, -m.quantity
        FROM movements m JOIN bins b ON b.site = m.site AND b.code = m.bin
        WHERE m.type = 'relocate'
        UNION ALL
        SELECT m.sku, m.site, b.zone, m.quantity
        FROM movements m JOIN bins b ON b.site = m.site AND b.code = m.to_bin
        WHERE m.type = 'relocate'
    ), recomputed AS (
        SELECT c.sku, c.site,
               sum(c.quantity)::integer AS on_hand,
               coalesce(sum(c.quantity) FILTER (WHERE c.zone = 'quarantine'), 0)::integer AS quarantine
        FROM contributions c GROUP BY c.sku, c.site
    ), open_reservations AS (
        SELECT r.sku, r.site, sum(r.quantity)::integer AS reserved
        FROM reservations r WHERE r.ended_at IS NULL GROUP BY r.sku, r.site
    ), active_holds AS (
        SELECT h.sku, h.site, sum(h.quantity)::integer AS held
        FROM holds h WHERE h.state = 'active' GROUP BY h.sku, h.site
    ), expected AS (
        SELECT coalesce(x.sku, r.sku, h.sku) AS sku, coalesce(x.site, r.site, h.site) AS site,
               coalesce(x.on_hand, 0) AS on_hand, coalesce(x.quarantine, 0) AS quarantine,
               coalesce(r.reserved, 0) AS reserved, coalesce(h.held, 0) AS held
        FROM recomputed x
        FULL JOIN open_reservations r ON r.sku = x.sku AND r.site = x.site
        FULL JOIN active_holds h ON h.sku = coalesce(x.sku, r.sku) AND h.site = coalesce(x.site, r.site)
    ), compared AS (
        SELECT coalesce(e.sku, l.sku) AS sku, coalesce(e.site, l.site) AS site, f.figure, f.stored, f.computed
        FROM expected e
        FULL JOIN stock_levels l ON l.sku = e.sku AND l.site = e.site
        CROSS JOIN LATERAL (VALUES
            ('on_hand', coalesce(l.on_hand, 0), coalesce(e.on_hand, 0)),
            ('quarantine', coalesce(l.quarantine, 0), coalesce(e.quarantine, 0)),
            ('reserved', coalesce(l.reserved, 0), coalesce(e.reserved, 0)),
            ('held', coalesce(l.held, 0), coalesce(e.held, 0))
        ) AS f (figure, stored, computed)
    )
    SELECT c.sku, c.site, c.figure, c.stored, c.computed
    FROM compared c
    WHERE c.stored <> c.computed
    ORDER BY c.site, c.sku, c.figure;
$$;

INSERT INTO schema_migrations (version, online) VALUES ('0048_relocate', true);
COMMIT;


-- =================================================================================================
-- Queries prepared by the service at start-up. Parameters are positional; the comment above each
-- names them and the endpoint or report that uses it.
-- =================================================================================================

-- GET /v3/stock/{sku}?site=: one SKU at one site. Site codes match without regard to case (3.4.2).
PREPARE stock_for_sku (text, text) AS
SELECT * FROM stock_availability WHERE sku = $1 AND site = upper($2);

-- GET /v3/stock?site=&page_size=&page_token=: keyset pagination. The page token encodes the last
-- SKU of the previous page; unlike OFFSET, the cost does not grow with the page number, and SKUs
-- created during a walk are neither skipped nor repeated.
PREPARE stock_page (text, text, integer) AS
SELECT a.*
FROM stock_availability a
JOIN skus s ON s.code = a.sku
WHERE a.site = upper($1)
  AND a.sku > coalesce($2, '')
  AND (NOT s.discontinued OR a.on_hand <> 0)
ORDER BY a.sku
LIMIT least($3, 1000);

-- GET /v3/movements?site=&type=&since=&until=&recorded_before=: since inclusive, until exclusive,
-- both on effective time; recorded_before makes a past query reproducible despite back-dating.
PREPARE movements_window (text, movement_type, timestamptz, timestamptz, timestamptz, bigint, integer) AS
SELECT id, type, sku, bin, to_bin, quantity, order_id, reason, effective_at, recorded_at
FROM movements
WHERE site = upper($1) AND type = $2
  AND effective_at >= $3 AND effective_at < $4
  AND ($5::timestamptz IS NULL OR recorded_at < $5)
  AND id > coalesce($6, 0)
ORDER BY id
LIMIT least($7, 1000);

-- Report: days of cover at a site on a day: available stock (after holds) over the average daily
-- picks of the 28 days before it. Four whole weeks, so every weekday counts the same.
PREPARE days_of_cover (text, date) AS
WITH sales AS (
    SELECT sku, -sum(quantity) / 28.0 AS per_day
    FROM movements
    WHERE site = upper($1) AND type = 'pick'
      AND effective_at >= ($2 - 28)::timestamptz AND effective_at < $2::timestamptz
    GROUP BY sku
)
SELECT a.sku,
       greatest(a.available_after_holds, 0) AS available,
       round(s.per_day, 2) AS per_day,
       round(greatest(a.available_after_holds, 0) / s.per_day, 1) AS cover_days,
       round((greatest(a.available_after_holds, 0) + a.incoming) / s.per_day, 1) AS cover_with_incoming
FROM stock_availability a
JOIN sales s ON s.sku = a.sku
WHERE a.site = upper($1) AND s.per_day > 0
ORDER BY cover_days, a.sku;

-- Report: weekly shrinkage per reason, valued at the cost price in force on the day of each
-- adjustment (3.3.2: today's price rewrote past weeks whenever a supplier changed prices).
PREPARE shrinkage_week (text, date) AS
SELECT m.reason,
       count(*) AS adjustments,
       -sum(m.quantity) AS units_lost,
       -sum(m.quantity * coalesce(p.cost_pence, 0)) AS value_pence,
       count(*) FILTER (WHERE p.cost_pence IS NULL) AS without_price
FROM movements m
LEFT JOIN LATERAL (
    SELECT c.cost_pence FROM cost_prices c
    WHERE c.sku = m.sku AND c.valid_from <= m.effective_at::date
    ORDER BY c.valid_from DESC
    LIMIT 1
) p ON true
WHERE m.site = upper($1) AND m.type = 'adjustment' AND m.quantity < 0
  AND m.effective_at >= $2::timestamptz AND m.effective_at < ($2 + 7)::timestamptz
GROUP BY m.reason
ORDER BY value_pence DESC, m.reason;

-- Put-away suggestion: a bin in bulk or on the pick face with room for the quantity, preferring
-- bins that already hold the SKU, then the fullest one that still fits (keeps other bins free
-- for larger deliveries). Capacity 0 means "never here"; NULL means unlimited.
PREPARE putaway_bins (text, text, integer) AS
SELECT b.code, b.zone, b.capacity_units, coalesce(total.units, 0) AS occupied, coalesce(mine.on_hand, 0) AS of_this_sku
FROM bins b
LEFT JOIN (
    SELECT site, bin, sum(on_hand) AS units FROM bin_levels GROUP BY site, bin
) total ON total.site = b.site AND total.bin = b.code
LEFT JOIN bin_levels mine ON mine.site = b.site AND mine.bin = b.code AND mine.sku = $2
WHERE b.site = upper($1)
  AND b.zone IN ('bulk', 'pick_face')
  AND (b.capacity_units IS NULL OR b.capacity_units - coalesce(total.units, 0) >= $3)
  AND b.capacity_units IS DISTINCT FROM 0
ORDER BY (coalesce(mine.on_hand, 0) > 0) DESC,
         b.capacity_units - coalesce(total.units, 0) NULLS LAST,
         b.code
LIMIT 5;

-- Report: transfers on the road, oldest first, with how long they have been travelling. A
-- transfer in transit for more than three days is usually one that arrived and was not booked in.
PREPARE transfers_in_transit (text) AS
SELECT t.transfer_id, t.sku, t.incoming, t.outgoing, t.dispatched_at,
       date_trunc('hour', now() - t.dispatched_at) AS travelling_for
FROM in_transit t
WHERE t.site = upper($1)
ORDER BY t.dispatched_at, t.transfer_id, t.sku;

-- GET /v3/reports/stock-at?site=&date=: the midnight snapshot of the date, plus back-dated
-- corrections recorded after the snapshot but effective before that midnight.
PREPARE stock_at (text, date) AS
WITH snap AS (
    SELECT taken_at FROM snapshots WHERE taken_on = $2
), late AS (
    SELECT m.sku, sum(m.quantity) AS quantity
    FROM movements m, snap
    WHERE m.site = upper($1) AND m.type <> 'relocate'
      AND m.effective_at < $2::timestamptz
      AND m.recorded_at >= snap.taken_at
    GROUP BY m.sku
)
SELECT s.sku, s.on_hand + coalesce(late.quantity, 0) AS on_hand, s.reserved, s.held, coalesce(late.quantity, 0) AS corrected_by
FROM stock_snapshots s
LEFT JOIN late ON late.sku = s.sku
WHERE s.taken_on = $2 AND s.site = upper($1)
ORDER BY s.sku;


-- =================================================================================================
-- Self-check: a small Leeds fixture, the functions and queries above run against it, every result
-- compared with what it must be. Everything happens in one transaction that is rolled back, so
-- the database is left exactly as the migrations made it.
-- =================================================================================================
BEGIN;

CREATE FUNCTION pg_temp.expect(what text, actual numeric, wanted numeric) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF actual IS DISTINCT FROM wanted THEN
        RAISE EXCEPTION 'self-check failed: %: got %, expected %', what, actual, wanted;
    END IF;
END;
$$;

CREATE FUNCTION pg_temp.expect_error(what text, statement text, wanted_state text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE statement;
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE <> wanted_state THEN
            RAISE EXCEPTION 'self-check failed: %: got % (%), expected %', what, SQLSTATE, SQLERRM, wanted_state;
        END IF;
        RETURN;
    END;
    RAISE EXCEPTION 'self-check failed: %: no error, expected %', what, wanted_state;
END;
$$;

INSERT INTO sites VALUES ('LDS', 'Leeds', 'Europe/London', '2019-03-01'), ('BRS', 'Bristol', 'Europe/London', '2021-09-13');
INSERT INTO skus (code, description, category, base_unit) VALUES
    ('GRD-HOSE-25', 'Garden hose, 25 m, green', 'garden', 'piece'),
    ('GRD-SEED-LAWN-5KG', 'Lawn seed, hard-wearing, 5 kg', 'garden', 'piece'),
    ('FIX-SCR-4X40-200', 'Wood screws 4 x 40 mm, box of 200', 'fixings', 'piece');
INSERT INTO bins (site, code, zone, capacity_units) VALUES
    ('LDS', 'GI-01', 'goods_in', NULL),
    ('LDS', 'Q-01', 'quarantine', NULL),
    ('LDS', 'B-14-03-2', 'bulk', 500),
    ('LDS', 'P-02-01-1', 'pick_face', 60),
    ('LDS', 'P-02-01-2', 'pick_face', 0),
    ('BRS', 'GI-01', 'goods_in', NULL);
INSERT INTO cost_prices VALUES ('GRD-HOSE-25', '2030-01-01', 899), ('GRD-HOSE-25', '2031-04-01', 949);
INSERT INTO hold_caps (client, units_per_sku) VALUES ('shop-checkout', 10);

-- 480 hoses received into quarantine; 440 released to bulk after inspection, 40 still waiting.
INSERT INTO movements (type, sku, site, bin, quantity, effective_at)
VALUES ('receipt', 'GRD-HOSE-25', 'LDS', 'Q-01', 480, '2031-03-01 07:00');
INSERT INTO movements (type, sku, site, bin, to_bin, quantity, effective_at)
VALUES ('relocate', 'GRD-HOSE-25', 'LDS', 'Q-01', 'B-14-03-2', 440, '2031-03-01 09:00');
-- 28 days of picks, 3 a day, and one damaged hose in the first week of April.
INSERT INTO movements (type, sku, site, bin, quantity, effective_at, order_id)
SELECT 'pick', 'GRD-HOSE-25', 'LDS', 'B-14-03-2', -3, timestamptz '2031-03-17 10:00' + d * interval '1 day', 'SO-' || d
FROM generate_series(0, 27) AS d;
INSERT INTO movements (type, sku, site, bin, quantity, effective_at, reason, note)
VALUES ('adjustment', 'GRD-HOSE-25', 'LDS', 'B-14-03-2', -1, '2031-04-02 15:00', 'damaged', 'split by forklift');
INSERT INTO movements (type, sku, site, bin, quantity, effective_at)
VALUES ('receipt', 'GRD-SEED-LAWN-5KG', 'LDS', 'P-02-01-1', 30, '2031-04-01 07:00');

DO $$
DECLARE
    h1 holds%ROWTYPE;
    h2 holds%ROWTYPE;
    again holds%ROWTYPE;
    res text;
    r record;
BEGIN
    -- 480 - 84 picked - 1 damaged = 395 on hand, of which 40 in quarantine.
    SELECT * INTO r FROM stock_availability WHERE sku = 'GRD-HOSE-25' AND site = 'LDS';
    PERFORM pg_temp.expect('on hand', r.on_hand, 395);
    PERFORM pg_temp.expect('quarantine', r.quarantine, 40);
    PERFORM pg_temp.expect('available', r.available, 355);
    PERFORM pg_temp.expect('bulk bin', (SELECT on_hand FROM bin_levels WHERE bin = 'B-14-03-2'), 355);

    -- A reservation, then holds: available_after_holds falls, available does not.
    INSERT INTO reservations (id, sku, site, order_id, line, quantity) VALUES ('res_a', 'GRD-HOSE-25', 'LDS', 'SO-900', 0, 5);
    h1 := grant_hold('GRD-HOSE-25', 'LDS', 2, interval '15 minutes', 'shop-checkout', 'co-1/0');
    h2 := grant_hold('GRD-HOSE-25', 'LDS', 4, interval '15 minutes', 'shop-checkout', 'co-2/0');
    again := grant_hold('GRD-HOSE-25', 'LDS', 2, interval '15 minutes', 'shop-checkout', 'co-1/0');
    PERFORM pg_temp.expect('idempotent grant returns the first hold', (again.id = h1.id)::int, 1);
    SELECT * INTO r FROM stock_availability WHERE sku = 'GRD-HOSE-25' AND site = 'LDS';
    PERFORM pg_temp.expect('available ignores holds', r.available, 350);
    PERFORM pg_temp.expect('available after holds', r.available_after_holds, 344);

    PERFORM pg_temp.expect_error('same key, other request',
        $q$SELECT grant_hold('GRD-HOSE-25', 'LDS', 3, interval '15 minutes', 'shop-checkout', 'co-1/0')$q$, 'DH422');
    PERFORM pg_temp.expect_error('per-SKU cap',
        $q$SELECT grant_hold('GRD-HOSE-25', 'LDS', 5, interval '15 minutes', 'shop-checkout', 'co-3/0')$q$, 'DH429');
    PERFORM pg_temp.expect_error('not enough stock',
        $q$SELECT grant_hold('GRD-SEED-LAWN-5KG', 'LDS', 31, interval '5 minutes', 'shop-checkout', NULL)$q$, 'DH409');
    PERFORM pg_temp.expect_error('ttl over the cap',
        $q$SELECT grant_hold('GRD-HOSE-25', 'LDS', 1, interval '2 hours', 'shop-checkout', NULL)$q$, 'DH422');
    PERFORM pg_temp.expect_error('unknown client',
        $q$SELECT grant_hold('GRD-HOSE-25', 'LDS', 1, interval '1 minute', 'partner-x', NULL)$q$, 'DH403');

    -- Confirming moves the quantity from held to reserved; a repeat is idempotent.
    res := confirm_hold(h1.id, 'SO-901', 0);
    PERFORM pg_temp.expect('confirm is idempotent', (confirm_hold(h1.id, 'SO-901', 0) = res)::int, 1);
    PERFORM pg_temp.expect_error('confirm for another order', format('SELECT confirm_hold(%L, %L, 0)', h1.id, 'SO-999'), 'DH409');
    SELECT * INTO r FROM stock_levels WHERE sku = 'GRD-HOSE-25' AND site = 'LDS';
    PERFORM pg_temp.expect('reserved after confirm', r.reserved, 7);
    PERFORM pg_temp.expect('held after confirm', r.held, 4);

    -- An expired hold cannot be confirmed even before the worker runs; the worker then releases it.
    UPDATE holds SET expires_at = now() - interval '1 second' WHERE id = h2.id;
    PERFORM pg_temp.expect_error('confirm expired', format('SELECT confirm_hold(%L, %L, 0)', h2.id, 'SO-902'), 'DH410');
    PERFORM pg_temp.expect('still counted until released', (SELECT held FROM stock_levels WHERE sku = 'GRD-HOSE-25'), 4);
    PERFORM pg_temp.expect('worker releases one', expire_holds(), 1);
    PERFORM pg_temp.expect('nothing left to expire', expire_holds(), 0);
    PERFORM pg_temp.expect('held after expiry', (SELECT held FROM stock_levels WHERE sku = 'GRD-HOSE-25'), 0);
    PERFORM pg_temp.expect('release after expiry', release_hold(h2.id)::int, 0);

    -- The nightly sweep ends stale reservations and leaves holds alone.
    h2 := grant_hold('GRD-HOSE-25', 'LDS', 1, interval '15 minutes', 'shop-checkout', 'co-4/0');
    UPDATE reservations SET created_at = now() - interval '40 days' WHERE id = 'res_a';
    PERFORM pg_temp.expect('sweep ends one reservation', sweep_stale_reservations(interval '30 days'), 1);
    PERFORM pg_temp.expect('sweep leaves the hold active', (SELECT count(*) FROM holds WHERE state = 'active'), 1);
    PERFORM pg_temp.expect('release works', release_hold(h2.id)::int, 1);

    -- Every stored figure agrees with a recomputation from the history.
    PERFORM pg_temp.expect('verify-levels finds no difference', (SELECT count(*) FROM verify_levels()), 0);
    UPDATE stock_levels SET on_hand = on_hand + 1 WHERE sku = 'GRD-HOSE-25';
    PERFORM pg_temp.expect('verify-levels notices drift', (SELECT count(*) FROM verify_levels()), 1);
    UPDATE stock_levels SET on_hand = on_hand - 1 WHERE sku = 'GRD-HOSE-25';

    -- Relocating more than the bin holds is refused; so is relocating to the same bin.
    PERFORM pg_temp.expect_error('relocate too much',
        $q$INSERT INTO movements (type, sku, site, bin, to_bin, quantity, effective_at)
           VALUES ('relocate', 'GRD-HOSE-25', 'LDS', 'Q-01', 'B-14-03-2', 41, now())$q$, 'DS409');
    PERFORM pg_temp.expect_error('relocate in place',
        $q$INSERT INTO movements (type, sku, site, bin, to_bin, quantity, effective_at)
           VALUES ('relocate', 'GRD-HOSE-25', 'LDS', 'Q-01', 'Q-01', 1, now())$q$, '23514');
    PERFORM pg_temp.expect_error('adjustment without a reason',
        $q$INSERT INTO movements (type, sku, site, bin, quantity, effective_at)
           VALUES ('adjustment', 'GRD-HOSE-25', 'LDS', 'B-14-03-2', -1, now())$q$, '23514');
END;
$$;

-- The prepared queries, checked on the same fixture.
CREATE TEMP TABLE cover AS EXECUTE days_of_cover('lds', '2031-04-14');
CREATE TEMP TABLE shrinkage AS EXECUTE shrinkage_week('LDS', '2031-03-31');
CREATE TEMP TABLE putaway AS EXECUTE putaway_bins('LDS', 'GRD-SEED-LAWN-5KG', 20);

DO $$
BEGIN
    -- 353 available (2 are reserved by the confirmed hold) over 3 a day.
    PERFORM pg_temp.expect('cover rows', (SELECT count(*) FROM cover), 1);
    PERFORM pg_temp.expect('cover days', (SELECT cover_days FROM cover), 117.7);
    -- The damaged hose on 2 April is valued at the price from 1 April.
    PERFORM pg_temp.expect('shrinkage value', (SELECT value_pence FROM shrinkage WHERE reason = 'damaged'), 949);
    -- The bin already holding lawn seed (30 of 60 used, so 20 more fit) comes first; the blocked
    -- bin (capacity 0) never appears.
    PERFORM pg_temp.expect('put-away first choice', (SELECT count(*) FROM putaway WHERE code = 'P-02-01-1'), 1);
    PERFORM pg_temp.expect('blocked bin excluded', (SELECT count(*) FROM putaway WHERE code = 'P-02-01-2'), 0);
END;
$$;

-- Twenty hoses go to Bristol and twelve arrive so far; then the midnight snapshot, and after it a
-- delivery note that turns up late: two hoses found, back-dated to yesterday.
INSERT INTO transfers (id, from_site, to_site, state, dispatched_at) VALUES ('TR-1', 'LDS', 'BRS', 'dispatched', now());
INSERT INTO transfer_lines (transfer_id, sku, quantity) VALUES ('TR-1', 'GRD-HOSE-25', 20);
INSERT INTO movements (type, sku, site, bin, quantity, effective_at)
VALUES ('transfer_out', 'GRD-HOSE-25', 'LDS', 'B-14-03-2', -20, now());
UPDATE transfer_lines SET received = 12 WHERE transfer_id = 'TR-1';
UPDATE transfers SET state = 'partially_received' WHERE id = 'TR-1';
INSERT INTO movements (type, sku, site, bin, quantity, effective_at)
VALUES ('transfer_in', 'GRD-HOSE-25', 'BRS', 'GI-01', 12, now());

DO $$
BEGIN
    PERFORM pg_temp.expect('levels copied', take_snapshot(current_date), 3);
    INSERT INTO movements (type, sku, site, bin, quantity, effective_at, reason, note)
    VALUES ('adjustment', 'GRD-HOSE-25', 'LDS', 'B-14-03-2', 2, current_date - interval '1 day', 'found', 'late delivery note');
END;
$$;

CREATE TEMP TABLE at_midnight AS EXECUTE stock_at('LDS', current_date);
CREATE TEMP TABLE on_the_road AS EXECUTE transfers_in_transit('BRS');

DO $$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM stock_availability WHERE sku = 'GRD-HOSE-25' AND site = 'LDS';
    PERFORM pg_temp.expect('Leeds on hand after the transfer and the find', r.on_hand, 377);
    PERFORM pg_temp.expect('Leeds outgoing', r.outgoing, 8);
    PERFORM pg_temp.expect('Bristol incoming', (SELECT incoming FROM stock_availability WHERE site = 'BRS'), 8);
    PERFORM pg_temp.expect('Bristol on hand', (SELECT on_hand FROM stock_availability WHERE site = 'BRS'), 12);
    PERFORM pg_temp.expect('on the road to Bristol', (SELECT incoming FROM on_the_road WHERE transfer_id = 'TR-1'), 8);
    -- The snapshot said 375; the report for the day adds the back-dated find.
    SELECT * INTO r FROM at_midnight WHERE sku = 'GRD-HOSE-25';
    PERFORM pg_temp.expect('stock at midnight, corrected', r.on_hand, 377);
    PERFORM pg_temp.expect('correction shown', r.corrected_by, 2);
    PERFORM pg_temp.expect('history still agrees', (SELECT count(*) FROM verify_levels()), 0);
END;
$$;

ROLLBACK;
