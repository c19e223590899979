-- docs/tutorial/fixes.sql — the transform views of one marketplace (:market is market_a
-- or market_b) after the first full load showed what the source data gets wrong.
-- Replaces the views of demo/transform.sql; the steps stay as they are.

-- users: an account whose e-mail address another, older account already has (in other
-- letter case) is a duplicate: it is not migrated (cleanup.duplicate_users lists them).
CREATE OR REPLACE VIEW :"market".v_users AS
SELECT u.id, :'market' AS marketplace, lower(u.email) AS email,
	coalesce(u.name, 'member ' || u.id) AS display_name, u.newsletter_consent AS newsletter,
	u.created_at AT TIME ZONE 'UTC' AS created_at
FROM :"market".users u
WHERE NOT EXISTS (SELECT 1 FROM cleanup.duplicate_users d
                  WHERE d.marketplace = :'market' AND d.duplicate_id = u.id);

-- listings: a duplicate's listings belong to the account that is kept; listings whose
-- seller was never migrated (deleted long ago) and test listings with a negative price
-- stay behind, as do deleted listings.
CREATE OR REPLACE VIEW :"market".v_listings AS
SELECT l.id, :'market' AS marketplace, m.target_key AS seller_id, l.title, l.description,
	l.price_cents / 100.0 AS price, l.state AS status,
	l.created_at AT TIME ZONE 'UTC' AS created_at, l.updated_at
FROM :"market".listings l
LEFT JOIN cleanup.duplicate_users d ON d.marketplace = :'market' AND d.duplicate_id = l.user_id
JOIN migration.map_users m ON m.source = :'market' AND m.id = coalesce(d.keep_id, l.user_id)
WHERE l.state <> 'deleted' AND l.price_cents >= 0;

-- photos: those of migrated listings.
CREATE OR REPLACE VIEW :"market".v_photos AS
SELECT p.id, :'market' AS marketplace, m.target_key AS listing_id, p.url, p.position
FROM :"market".photos p
JOIN migration.map_listings m ON m.source = :'market' AND m.id = p.listing_id;
