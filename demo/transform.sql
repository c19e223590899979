-- demo/transform.sql — what a DBA writes for one source marketplace (:market is
-- market_a or market_b): transform views beside its imported foreign tables (schema
-- :market), each followed by the step that loads it. Both marketplaces share the
-- steps' id maps.

-- users: emails normalised to lower case, missing names defaulted.
CREATE VIEW :"market".v_users AS
SELECT u.id, :'market' AS marketplace, lower(u.email) AS email,
	coalesce(u.name, 'member ' || u.id) AS display_name, u.newsletter_consent AS newsletter,
	u.created_at AT TIME ZONE 'UTC' AS created_at
FROM :"market".users u;
SELECT migration.define_step('users', :'market' || '.v_users', 'platform.users',
	'{id}', 'id', key_mode => 'map', source => :'market', source_key_column => 'legacy_id',
	batch_size => 2000);

-- listings: the seller's new id comes from the users step's id map; prices become
-- numeric; deleted listings are not migrated.
CREATE VIEW :"market".v_listings AS
SELECT l.id, :'market' AS marketplace, m.target_key AS seller_id, l.title, l.description,
	l.price_cents / 100.0 AS price, l.state AS status,
	l.created_at AT TIME ZONE 'UTC' AS created_at, l.updated_at
FROM :"market".listings l
LEFT JOIN migration.map_users m ON m.source = :'market' AND m.id = l.user_id
WHERE l.state <> 'deleted';
SELECT migration.define_step('listings', :'market' || '.v_listings',
	'platform.listings', '{id}', 'id', key_mode => 'map', source => :'market',
	source_key_column => 'legacy_id', updated_at_column => 'updated_at',
	depends_on => '{users}', batch_size => 5000);

-- photos of listings that are not deleted, attached to the migrated listing.
CREATE VIEW :"market".v_photos AS
SELECT p.id, :'market' AS marketplace, m.target_key AS listing_id, p.url, p.position
FROM :"market".photos p
JOIN :"market".listings l ON l.id = p.listing_id AND l.state <> 'deleted'
LEFT JOIN migration.map_listings m ON m.source = :'market' AND m.id = p.listing_id;
SELECT migration.define_step('photos', :'market' || '.v_photos',
	'platform.photos', '{id}', 'id', key_mode => 'map', source => :'market',
	source_key_column => 'legacy_id', depends_on => '{listings}', batch_size => 10000);
