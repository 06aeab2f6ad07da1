-- The fidelity fixture: a schema written for this project's tests (no rows; fidelity-data.sql adds them).
-- It holds what real databases hold and what tools get wrong: several schemas, extensions, enums, domains,
-- composite types, functions and triggers, views and materialized views, generated and identity columns,
-- dropped columns, large objects, partitioned tables (range, list, hash, multi-level, default partitions,
-- partitions in other schemas and with their columns in another order, partitioned indexes and foreign keys
-- to and from partitioned tables), table inheritance (multi-level, multiple parents, columns in another order,
-- a foreign key declared on a parent), foreign-key cycles, a table without a key, and quoted, mixed-case,
-- non-ASCII identifiers and names with dots and spaces. It loads on PostgreSQL 15, 17 and 18.

SET client_min_messages = warning;

CREATE SCHEMA ext;
CREATE EXTENSION pgcrypto WITH SCHEMA ext;
CREATE EXTENSION citext WITH SCHEMA ext;
CREATE EXTENSION hstore WITH SCHEMA ext;

-- A film catalogue in public: the classic shapes (serial keys, an enum, a domain, arrays, full-text, a
-- monthly-partitioned payment table).

CREATE TYPE public.mpaa_rating AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17');
CREATE DOMAIN public.year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);

CREATE FUNCTION public.last_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.last_update = CURRENT_TIMESTAMP;
    RETURN NEW;
END
$$;

CREATE TABLE public.language (
    language_id serial PRIMARY KEY,
    name character(20) NOT NULL,
    last_update timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00');

CREATE TABLE public.actor (
    actor_id serial PRIMARY KEY,
    first_name text NOT NULL,
    last_name text NOT NULL,
    last_update timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00');
CREATE INDEX idx_actor_last_name ON public.actor (last_name);

CREATE TABLE public.category (
    category_id serial PRIMARY KEY,
    name text NOT NULL,
    last_update timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00');

CREATE TABLE public.film (
    film_id serial PRIMARY KEY,
    title text NOT NULL,
    description text,
    release_year public.year,
    language_id integer NOT NULL REFERENCES public.language (language_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    original_language_id integer REFERENCES public.language (language_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    rental_duration smallint NOT NULL DEFAULT 3,
    rental_rate numeric(4, 2) NOT NULL DEFAULT 4.99,
    length smallint,
    rating public.mpaa_rating DEFAULT 'G',
    special_features text[],
    fulltext tsvector NOT NULL,
    last_update timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00');
CREATE INDEX film_fulltext_idx ON public.film USING gist (fulltext);
CREATE INDEX idx_title ON public.film (title);
CREATE TRIGGER last_updated BEFORE UPDATE ON public.film FOR EACH ROW EXECUTE FUNCTION public.last_updated();
COMMENT ON TABLE public.film IS 'Films; last_update is set by a trigger on UPDATE.';

CREATE TABLE public.film_actor (
    actor_id integer NOT NULL REFERENCES public.actor (actor_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    film_id integer NOT NULL REFERENCES public.film (film_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    last_update timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00',
    PRIMARY KEY (actor_id, film_id));

CREATE TABLE public.film_category (
    film_id integer NOT NULL REFERENCES public.film (film_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    category_id integer NOT NULL REFERENCES public.category (category_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    last_update timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00',
    PRIMARY KEY (film_id, category_id));

CREATE TABLE public.inventory (
    inventory_id serial PRIMARY KEY,
    film_id integer NOT NULL REFERENCES public.film (film_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    store_id integer NOT NULL,
    last_update timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00');

CREATE TABLE public.country (
    country_id serial PRIMARY KEY,
    country text NOT NULL,
    last_update timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00');

CREATE TABLE public.city (
    city_id serial PRIMARY KEY,
    city text NOT NULL,
    country_id integer NOT NULL REFERENCES public.country (country_id),
    last_update timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00');

CREATE TABLE public.address (
    address_id serial PRIMARY KEY,
    address text NOT NULL,
    district text NOT NULL,
    city_id integer NOT NULL REFERENCES public.city (city_id),
    phone text NOT NULL,
    last_update timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00');

CREATE TABLE public.payment (
    payment_id serial NOT NULL,
    inventory_id integer NOT NULL,
    amount numeric(5, 2) NOT NULL,
    payment_date timestamptz NOT NULL,
    PRIMARY KEY (payment_date, payment_id)) PARTITION BY RANGE (payment_date);
CREATE TABLE public.payment_p2022_01 PARTITION OF public.payment FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00');
CREATE TABLE public.payment_p2022_02 PARTITION OF public.payment FOR VALUES FROM ('2022-02-01 00:00:00+00') TO ('2022-03-01 00:00:00+00');
CREATE TABLE public.payment_p2022_03 PARTITION OF public.payment FOR VALUES FROM ('2022-03-01 00:00:00+00') TO ('2022-04-01 00:00:00+00');
CREATE TABLE public.payment_p2022_04 PARTITION OF public.payment FOR VALUES FROM ('2022-04-01 00:00:00+00') TO ('2022-05-01 00:00:00+00');
CREATE TABLE public.payment_p2022_05 PARTITION OF public.payment FOR VALUES FROM ('2022-05-01 00:00:00+00') TO ('2022-06-01 00:00:00+00');
CREATE TABLE public.payment_p2022_06 PARTITION OF public.payment FOR VALUES FROM ('2022-06-01 00:00:00+00') TO ('2022-07-01 00:00:00+00');
CREATE TABLE public.payment_p2022_07 PARTITION OF public.payment FOR VALUES FROM ('2022-07-01 00:00:00+00') TO ('2022-08-01 00:00:00+00');
CREATE INDEX idx_payment_inventory ON public.payment (inventory_id);
ALTER TABLE public.payment ADD CONSTRAINT payment_inventory_id_fkey FOREIGN KEY (inventory_id) REFERENCES public.inventory (inventory_id);

CREATE TABLE public."Fïlm Notes ""Q""" (
    "Film Id" integer REFERENCES public.film (film_id),
    "Nöte" text);

CREATE VIEW public.film_list AS
    SELECT f.film_id AS fid, f.title, c.name AS category, f.rental_rate AS price, f.length, f.rating
    FROM public.film f
    LEFT JOIN public.film_category fc ON fc.film_id = f.film_id
    LEFT JOIN public.category c ON c.category_id = fc.category_id;

CREATE MATERIALIZED VIEW public.films_per_category AS
    SELECT c.name AS category, count(fc.film_id) AS films
    FROM public.category c LEFT JOIN public.film_category fc ON fc.category_id = c.category_id
    GROUP BY c.name
    WITH NO DATA;
CREATE UNIQUE INDEX films_per_category_category ON public.films_per_category (category);

-- A shop: identity and generated columns, domains over extension types, a composite type, an audit trigger,
-- a multi-level partitioned table with default partitions, a hash-partitioned table in a schema with a dot in
-- its name, foreign keys to and from partitioned tables, a foreign-key cycle, large objects.

CREATE SCHEMA shop;
CREATE SCHEMA "Mixed.Schema";

CREATE TYPE shop.order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');
CREATE DOMAIN shop.positive_money AS numeric(12, 2) CHECK (VALUE >= 0);
CREATE DOMAIN shop.email AS ext.citext CHECK (VALUE OPERATOR(pg_catalog.~) '^[^@ ]+@[^@ ]+$');
CREATE TYPE shop.postal_address AS (street text, city text, postcode text);

CREATE TABLE shop.customers (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email shop.email NOT NULL UNIQUE,
    name text NOT NULL,
    search_name text GENERATED ALWAYS AS (lower(name)) STORED,
    address shop.postal_address,
    tags ext.hstore,
    referred_by integer REFERENCES shop.customers (id),
    password_hash bytea);
CREATE INDEX customers_search_name ON shop.customers (search_name);

CREATE TABLE shop.audit_log (
    id bigserial PRIMARY KEY,
    table_name text NOT NULL,
    operation text NOT NULL,
    row_key text);

CREATE FUNCTION shop.audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO shop.audit_log (table_name, operation, row_key)
    VALUES (TG_TABLE_NAME, TG_OP, CASE WHEN TG_OP = 'DELETE' THEN OLD.id::text ELSE NEW.id::text END);
    RETURN NULL;
END
$$;
CREATE TRIGGER customers_audit AFTER INSERT OR UPDATE OR DELETE ON shop.customers FOR EACH ROW EXECUTE FUNCTION shop.audit();

CREATE TABLE shop.products (
    id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    sku text NOT NULL UNIQUE,
    legacy_code text,
    name text NOT NULL,
    price shop.positive_money NOT NULL,
    attributes jsonb NOT NULL DEFAULT '{}');
ALTER TABLE shop.products DROP COLUMN legacy_code;

CREATE TABLE shop.orders (
    id bigint NOT NULL,
    order_date date NOT NULL,
    region text NOT NULL,
    customer_id integer NOT NULL REFERENCES shop.customers (id),
    status shop.order_status NOT NULL DEFAULT 'new',
    total shop.positive_money NOT NULL,
    note text,
    PRIMARY KEY (id, order_date, region)) PARTITION BY RANGE (order_date);
-- A partition made on its own, columns in another order, then attached.
CREATE TABLE shop.orders_2024 (note text, total shop.positive_money NOT NULL, status shop.order_status NOT NULL DEFAULT 'new',
    customer_id integer NOT NULL, region text NOT NULL, order_date date NOT NULL, id bigint NOT NULL);
ALTER TABLE shop.orders ATTACH PARTITION shop.orders_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE shop.orders_2025 PARTITION OF shop.orders FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (region);
CREATE TABLE shop.orders_2025_eu PARTITION OF shop.orders_2025 FOR VALUES IN ('eu');
CREATE TABLE shop.orders_2025_us PARTITION OF shop.orders_2025 FOR VALUES IN ('us', 'ca');
CREATE TABLE "Mixed.Schema"."orders 2025 other" PARTITION OF shop.orders_2025 DEFAULT;
CREATE TABLE shop.orders_default PARTITION OF shop.orders DEFAULT;
CREATE INDEX orders_customer ON shop.orders (customer_id);
CREATE INDEX orders_open ON shop.orders (order_date) WHERE status IN ('new', 'paid');

CREATE FUNCTION shop.orders_default_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.note := coalesce(NEW.note, 'order ' || NEW.id);
    RETURN NEW;
END
$$;
CREATE TRIGGER orders_note BEFORE INSERT ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.orders_default_note();

CREATE TABLE "Mixed.Schema"."Order Lines" (
    order_id bigint NOT NULL,
    order_date date NOT NULL,
    region text NOT NULL,
    line_no integer NOT NULL,
    product_id integer NOT NULL REFERENCES shop.products (id),
    quantity integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, order_date, line_no),
    CONSTRAINT "Order Lines → orders" FOREIGN KEY (order_id, order_date, region) REFERENCES shop.orders (id, order_date, region)) PARTITION BY HASH (order_id);
CREATE TABLE "Mixed.Schema"."Order Lines p0" PARTITION OF "Mixed.Schema"."Order Lines" FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE "Mixed.Schema"."Order Lines p1" PARTITION OF "Mixed.Schema"."Order Lines" FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE shop.order_lines_p2 PARTITION OF "Mixed.Schema"."Order Lines" FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE shop.order_lines_p3 PARTITION OF "Mixed.Schema"."Order Lines" FOR VALUES WITH (MODULUS 4, REMAINDER 3);
CREATE INDEX "Order Lines product" ON "Mixed.Schema"."Order Lines" (product_id);

-- A foreign-key cycle: each department has a manager, each employee a department.
CREATE TABLE shop.departments (
    id integer PRIMARY KEY,
    name text NOT NULL,
    manager_id integer);
CREATE TABLE shop.employees (
    id integer PRIMARY KEY,
    department_id integer NOT NULL REFERENCES shop.departments (id) DEFERRABLE INITIALLY DEFERRED,
    name text NOT NULL);
ALTER TABLE shop.departments ADD CONSTRAINT departments_manager_fkey FOREIGN KEY (manager_id) REFERENCES shop.employees (id) DEFERRABLE INITIALLY DEFERRED;

-- No primary or unique key: rows cannot be matched one by one.
CREATE TABLE shop.page_views (path text NOT NULL, viewed_on date NOT NULL, views integer NOT NULL);

CREATE TABLE shop.attachments (
    id integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES shop.customers (id),
    content oid NOT NULL);

CREATE TABLE shop."CamelCase Table" (
    "MixedCase" integer PRIMARY KEY,
    "with.dot" text,
    "Quote""d" text);

CREATE FUNCTION shop.customer_total(customer integer) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(total), 0) FROM shop.orders WHERE customer_id = customer
$$;

CREATE VIEW shop.order_totals AS
    SELECT o.customer_id, count(*) AS orders, sum(o.total) AS total FROM shop.orders o GROUP BY o.customer_id;

CREATE MATERIALIZED VIEW shop.customer_order_counts AS
    SELECT c.id, c.search_name, count(o.id) AS orders
    FROM shop.customers c LEFT JOIN shop.orders o ON o.customer_id = c.id
    GROUP BY c.id, c.search_name
    WITH NO DATA;

-- Table inheritance: a parent with children over two levels, a child of two parents, a child whose columns
-- are in another order, and a foreign key declared on the parent (it covers the parent's own rows only).

CREATE SCHEMA archive;

CREATE TABLE archive.documents (
    id integer PRIMARY KEY,
    title text NOT NULL,
    author_id integer REFERENCES shop.customers (id),
    body text);
CREATE TABLE archive.taggable (tags text[] NOT NULL DEFAULT '{}');
CREATE TABLE archive.invoices (amount numeric(10, 2) NOT NULL, PRIMARY KEY (id)) INHERITS (archive.documents);
CREATE TABLE archive."Paid Invoices" (paid_on date NOT NULL, PRIMARY KEY (id)) INHERITS (archive.invoices);
CREATE TABLE archive.tagged_notes (PRIMARY KEY (id)) INHERITS (archive.documents, archive.taggable);
CREATE TABLE archive.memos (memo_kind text NOT NULL, body text, author_id integer, title text NOT NULL, id integer NOT NULL, PRIMARY KEY (id));
ALTER TABLE archive.memos INHERIT archive.documents;
CREATE TABLE archive.document_links (
    id integer PRIMARY KEY,
    document_id integer NOT NULL REFERENCES archive.documents (id),
    url text NOT NULL);

-- Non-ASCII names.
CREATE SCHEMA "Ünïcode Schéma";
CREATE TABLE "Ünïcode Schéma"."Straße" (
    id integer PRIMARY KEY,
    "Größe" numeric(8, 3),
    "naïve text" text,
    "Kunde" integer REFERENCES shop.customers (id));
COMMENT ON COLUMN "Ünïcode Schéma"."Straße"."Größe" IS 'Größe in Metern';
