-- Rows for fidelity-schema.sql, generated and deterministic: the same statements give the same rows on every server.

INSERT INTO public.language (name) SELECT 'Language ' || i FROM generate_series(1, 6) i;
INSERT INTO public.film (title, description, release_year, language_id, original_language_id, length, rating, special_features, fulltext, last_update)
    SELECT 'FILM ' || i, 'A story about ' || md5(i::text), 1990 + i % 30, 1 + i % 6, CASE WHEN i % 4 = 0 THEN 2 END, 60 + i % 90,
           (ARRAY['G', 'PG', 'PG-13', 'R', 'NC-17'])[1 + i % 5]::public.mpaa_rating, ARRAY['Trailers', 'Commentaries'],
           to_tsvector('english', 'film ' || i), timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour'
    FROM generate_series(1, 200) i;
INSERT INTO public.actor (first_name, last_name) SELECT 'First' || i, 'Last' || i FROM generate_series(1, 50) i;
INSERT INTO public.film_actor (actor_id, film_id) SELECT 1 + (f * 7 + k) % 50, f FROM generate_series(1, 150) f, generate_series(1, 3) k;
INSERT INTO public.category (name) SELECT 'Category ' || i FROM generate_series(1, 5) i;
INSERT INTO public.film_category (film_id, category_id) SELECT f, 1 + f % 5 FROM generate_series(1, 150) f;
INSERT INTO public.inventory (film_id, store_id) SELECT 1 + i % 150, 1 + i % 2 FROM generate_series(1, 300) i;
INSERT INTO public.country (country) SELECT 'Country ' || i FROM generate_series(1, 20) i;
INSERT INTO public.city (city, country_id) SELECT 'City ' || i, 1 + i % 20 FROM generate_series(1, 60) i;
INSERT INTO public.address (address, district, city_id, phone) SELECT i || ' Main Street', 'District ' || i % 7, 1 + i % 60, '555-' || lpad(i::text, 4, '0') FROM generate_series(1, 120) i;
INSERT INTO public.payment (inventory_id, amount, payment_date)
    SELECT 1 + i % 300, (i % 12) + 0.99, timestamptz '2022-01-01 00:00:00+00' + (i % 210) * interval '1 day' + i * interval '1 minute'
    FROM generate_series(1, 700) i;
INSERT INTO public."Fïlm Notes ""Q""" SELECT i, 'note ' || i FROM generate_series(1, 100) i;

INSERT INTO shop.customers (email, name, address, tags, referred_by, password_hash)
    SELECT 'Customer' || i || '@Example.org', 'Customer ' || i,
           ROW(i || ' High Street', 'Town ' || i % 9, lpad((i * 37 % 100000)::text, 5, '0'))::shop.postal_address,
           ext.hstore(ARRAY['tier', 'since'], ARRAY[(ARRAY['gold', 'silver', 'bronze'])[1 + i % 3], (2000 + i % 25)::text]),
           CASE WHEN i > 10 THEN 1 + i % 10 END,
           ext.digest('password ' || i, 'sha256')
    FROM generate_series(1, 100) i;
INSERT INTO shop.products (sku, name, price, attributes)
    SELECT 'SKU-' || lpad(i::text, 4, '0'), 'Product ' || i, (i * 7 % 200) + 0.5, jsonb_build_object('colour', (ARRAY['red', 'green', 'blue'])[1 + i % 3], 'weight', i * 10)
    FROM generate_series(1, 50) i;
INSERT INTO shop.orders (id, order_date, region, customer_id, status, total, note)
    SELECT i, date '2024-01-01' + (i * 3 % 1000), (ARRAY['eu', 'us', 'ca', 'apac'])[1 + i % 4], 1 + i % 100,
           (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + i % 4]::shop.order_status, (i % 50) * 3.5,
           CASE WHEN i % 5 = 0 THEN 'gift wrap' END
    FROM generate_series(1, 600) i;
INSERT INTO "Mixed.Schema"."Order Lines" (order_id, order_date, region, line_no, product_id, quantity)
    SELECT o.id, o.order_date, o.region, l, 1 + (o.id * l) % 50, 1 + (o.id + l) % 4
    FROM shop.orders o, generate_series(1, 1 + (o.id % 3)::integer) l;

BEGIN;
INSERT INTO shop.departments (id, name, manager_id) SELECT i, 'Department ' || i, i * 6 FROM generate_series(1, 5) i;
INSERT INTO shop.employees (id, department_id, name) SELECT i, 1 + (i - 1) / 6, 'Employee ' || i FROM generate_series(1, 30) i;
COMMIT;

INSERT INTO shop.page_views (path, viewed_on, views) SELECT '/page/' || i % 17, date '2025-06-01' + i % 9, i % 5 FROM generate_series(1, 100) i;
INSERT INTO shop.attachments (id, customer_id, content)
    SELECT i, i, lo_from_bytea(917000 + i, convert_to(repeat('attachment ' || i || ' ', 50 * i), 'UTF8')) FROM generate_series(1, 3) i;
INSERT INTO shop."CamelCase Table" ("MixedCase", "with.dot", "Quote""d") SELECT i, 'a.b.' || i, 'say "' || i || '"' FROM generate_series(1, 25) i;

INSERT INTO archive.documents (id, title, author_id, body) SELECT i, 'Document ' || i, CASE WHEN i % 4 <> 0 THEN 1 + i % 100 END, repeat('text ', i) FROM generate_series(1, 40) i;
-- The foreign key on archive.documents does not cover its children: author 999999 exists nowhere, legitimately.
INSERT INTO archive.invoices (id, title, author_id, body, amount) SELECT 100 + i, 'Invoice ' || i, CASE WHEN i % 3 = 0 THEN 999999 ELSE i END, NULL, i * 12.5 FROM generate_series(1, 60) i;
INSERT INTO archive."Paid Invoices" (id, title, author_id, amount, paid_on) SELECT 200 + i, 'Paid invoice ' || i, 999999, i * 3.25, date '2025-01-01' + i FROM generate_series(1, 30) i;
INSERT INTO archive.tagged_notes (id, title, author_id, body, tags) SELECT 300 + i, 'Note ' || i, 1 + i % 100, 'note body ' || i, ARRAY['tag' || i % 3, 'x'] FROM generate_series(1, 20) i;
INSERT INTO archive.memos (id, title, author_id, body, memo_kind) SELECT 400 + i, 'Memo ' || i, 1 + i % 100, NULL, (ARRAY['internal', 'external'])[1 + i % 2] FROM generate_series(1, 20) i;
INSERT INTO archive.document_links (id, document_id, url) SELECT i, 1 + i % 40, 'https://example.org/d/' || i FROM generate_series(1, 80) i;

INSERT INTO "Ünïcode Schéma"."Straße" (id, "Größe", "naïve text", "Kunde") SELECT i, i * 1.125, 'Grüße ' || i || ' ✓', 1 + i % 100 FROM generate_series(1, 30) i;

REFRESH MATERIALIZED VIEW public.films_per_category;
REFRESH MATERIALIZED VIEW shop.customer_order_counts;
ANALYZE;
