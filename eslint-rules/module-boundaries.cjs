// @ts-check
/**
 * One owner per table (ARCHITECTURE.md, "Module ownership"), with the map in ./modules.cjs. In src/,
 * outside the composition root, it reports:
 * - an import of another module's internal file, however written: `import`, `export … from`,
 *   `require()`, `import()`, `import x = require()`, a type's `import('…').T`, a folder (its
 *   index.ts) or a file at the root of src/;
 * - a public file passing on its module's internals: `export *`, an entity, a class;
 * - SQL naming another module's table, in any case, read across `+` chains, templates and `const`s,
 *   and in the table arguments of TypeORM's query builder and EntityManager. A part the lint cannot
 *   know (a parameter, a call, another module's fragment) is not guessed at: the owner's fragment
 *   is checked where it is written, and a table name chosen at run time is left to review;
 * - outside repositories, query services, the database kernel and tests: a door to the database
 *   (TypeORM's DataSource, EntityManager…, pg's Client, Pool…, or either package whole), and the
 *   TransactionRunner's manager or repository(), however taken (member, computed key, destructuring).
 */
const fs = require('node:fs');
const path = require('node:path');
const { TABLE_OWNERS, SHARED, PUBLIC_FILE, PUBLIC_EXTRAS, DATA_ACCESS_FILE, TEST_FILE } = require('./modules.cjs');

/* ------------------------------------------------------------------------------------------------
 * What the rule looks for
 * ---------------------------------------------------------------------------------------------- */

/** SQL keywords in upper case, the way this code writes SQL: in such a text every table name counts, wherever it stands. */
const SQL_KEYWORDS = /\b(?:SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|TRUNCATE|LOCK TABLE)\b/;
/**
 * SQL in any other case, recognised by the shape of a statement rather than by a lone word, so that
 * English ("select a pack", "points from users") stays clear: select … from, insert into,
 * update … set, delete from, join … on/using.
 */
const SQL_SHAPE = /\bselect\b[\s\S]*?\bfrom\s+\S|\binsert\s+into\s+\S|\bupdate\s+\S+\s+(?:(?:as\s+)?\w+\s+)?set\b|\bdelete\s+from\s+\S|\bjoin\s+\S+\s+(?:(?:as\s+)?\w+\s+)?(?:on|using)\b/i;
/**
 * In such a text only the names in a table position count: the list after from, join, into,
 * update, truncate or lock table, up to the next clause.
 */
const TABLE_LIST = /\b(?:from|join|into|update|truncate(?:\s+table)?|lock\s+table)\s+(?:only\s+)?([^;()]*?)(?=\b(?:where|on|using|set|values|returning|group|order|limit|offset|having|window|union|intersect|except|for|inner|left|right|full|cross|natural|lateral|join|select|default)\b|[;()]|$)/gi;
const TABLE_NAME = new RegExp(`\\b(${Object.keys(TABLE_OWNERS).join('|')})\\b`, 'gi');
/** Stands for a part of a string the lint cannot know (a parameter, a call, another module's fragment). */
const DYNAMIC = '\uE000';

/**
 * Calls whose first argument, given as a string, is a table: TypeORM's query builder
 * (`.from('users', 'u')`, `.innerJoin('profiles', 'p', …)`, `.insert().into(…)`, `.update(…)`) and
 * the EntityManager methods that take a table name for their entity.
 */
const TABLE_ARGUMENT_METHODS = new Set([
  'from', 'addFrom', 'into', 'update',
  'innerJoin', 'leftJoin', 'innerJoinAndSelect', 'leftJoinAndSelect',
  'innerJoinAndMapOne', 'innerJoinAndMapMany', 'leftJoinAndMapOne', 'leftJoinAndMapMany',
  'getRepository', 'find', 'findBy', 'findOne', 'findOneBy', 'findOneOrFail', 'findOneByOrFail', 'findAndCount',
  'count', 'exists', 'insert', 'upsert', 'delete', 'softDelete', 'increment', 'decrement',
]);

/** TypeORM's doors to the database: only repositories and query services hold them. */
const TYPEORM_DOORS = new Set(['DataSource', 'EntityManager', 'Repository', 'QueryRunner', 'SelectQueryBuilder', 'InjectDataSource', 'InjectRepository', 'InjectEntityManager']);
/**
 * Packages that reach the database, with the names that open it. A namespace or default import,
 * `export *`, `require()` or `import()` of the whole package hands out every door; a deep import
 * (`typeorm/driver/…`) is all doors.
 */
const DATABASE_PACKAGES = {
  typeorm: TYPEORM_DOORS,
  '@nestjs/typeorm': TYPEORM_DOORS,
  pg: new Set(['Client', 'Pool', 'PoolClient', 'Connection', 'Query', 'native']),
};
/** Stands for the whole package in an import. */
const WHOLE = '*';

/** What a TransactionRunner hands out to repositories only. */
const RUNNER_DOORS = new Set(['manager', 'repository']);

/** Internal files a public file may not pass on even as types: entities stay home. */
const ENTITY_FILE = /(?:^|\/)entities\/|\.entity\.ts$/;
/** A PascalCase name (not CONSTANT_CASE): a class, i.e. an entity, repository or listener. */
const CLASS_NAME = /^[A-Z][a-z0-9]\w*$/;

/* ------------------------------------------------------------------------------------------------
 * Where files sit
 * ---------------------------------------------------------------------------------------------- */

/**
 * Where a file sits: its module (the first folder under src/), or null outside src/ or at its root
 * (the composition root: main.ts, app.module.ts, app.setup.ts).
 */
function locate(filename, root) {
  const relative = path.relative(path.join(root, 'src'), filename).split(path.sep).join('/');
  if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
  const slash = relative.indexOf('/');
  return { module: slash < 0 ? null : relative.slice(0, slash), inside: slash < 0 ? relative : relative.slice(slash + 1) };
}

/**
 * The file a relative import names, as TypeScript (nodenext) finds it: `./x.js` is `./x.ts`, and a
 * bare `./x` is `./x.ts` or, for a folder, `./x/index.ts`. When neither is on disk the folder wins if
 * it exists, else the file.
 */
function resolveImport(fromFile, source) {
  const resolved = path.resolve(path.dirname(fromFile), source);
  if (/\.[cm]?[jt]s$/.test(resolved)) return resolved.replace(/\.([cm]?)js$/, '.$1ts');
  const file = `${resolved}.ts`;
  const index = path.join(resolved, 'index.ts');
  if (fs.existsSync(file)) return file;
  if (fs.existsSync(index) || isDirectory(resolved)) return index;
  return file;
}

function isDirectory(file) {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function isPublic(target) {
  if (SHARED.includes(target.module)) return true;
  if (PUBLIC_FILE.test(`/${target.inside}`)) return true;
  return (PUBLIC_EXTRAS[target.module] ?? []).includes(target.inside);
}

function isInfrastructure(where) {
  return where.module === 'database';
}

/** The database package a module specifier names, with its doors (all of them for a deep import), or null. */
function databasePackage(source) {
  if (typeof source !== 'string') return null;
  for (const [name, doors] of Object.entries(DATABASE_PACKAGES)) {
    if (source === name) return { name, doors };
    if (source.startsWith(`${name}/`)) return { name: source, doors: null };
  }
  return null;
}

/* ------------------------------------------------------------------------------------------------
 * Reading strings and names out of the syntax tree
 * ---------------------------------------------------------------------------------------------- */

/** Expressions that only retype their operand: `x as string`, `x!`, `<string>x`, `x satisfies T`. */
const TYPE_WRAPPERS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion']);

/** Whether a string expression is one piece of a larger one (a `+` chain or a template), read with it. */
function isPartOfLargerString(node) {
  let child = node;
  while (TYPE_WRAPPERS.has(child.parent.type)) child = child.parent;
  const parent = child.parent;
  return (parent.type === 'BinaryExpression' && parent.operator === '+') || (parent.type === 'TemplateLiteral' && parent.expressions.includes(child));
}

function propertyKeyName(property) {
  if (property.computed) return null;
  if (property.key.type === 'Identifier') return property.key.name;
  return property.key.type === 'Literal' ? String(property.key.value) : null;
}

/* ------------------------------------------------------------------------------------------------
 * The rule
 * ---------------------------------------------------------------------------------------------- */

/** @type {import('eslint').Rule.RuleModule} */
module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'One owner per table: modules import only what another module shows, and name only their own tables in SQL.' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: {
      internalImport: "'{{source}}' is internal to the {{target}} module: use what it exports (its module, services, query services, errors, DTOs).",
      rootImport: "'{{source}}' is a file at the root of src/ (the composition root wires modules; modules do not import it): import the module's own public file instead.",
      leakedExport: "'{{source}}' is internal to this module: a public file may pass on its plain types and helpers, not {{what}}.",
      foreignTable: "SQL names '{{table}}', a table of the {{owner}} module: read it through that module's query service or SQL fragment.",
      dataAccess: '{{what}} belongs in a repository or query service (a *.repository.ts or *.queries.ts file of the table\'s owner).',
    },
  },
  create(context) {
    const root = context.options[0]?.root ?? context.cwd;
    const where = locate(context.filename, root);
    if (!where) return {};
    // Repositories, query services and the database kernel open the database; so may a test, to run the SQL it tests.
    const dataAccessAllowed = DATA_ACCESS_FILE.test(where.inside) || TEST_FILE.test(where.inside) || isInfrastructure(where);
    const inPublicFile = where.module !== null && !SHARED.includes(where.module) && isPublic(where);
    const { sourceCode } = context;

    const types = sourceCode.parserServices;
    /**
     * Whether `object` is a TransactionRunner: by its type when the lint has type information (as
     * `npm run lint` has), else by the name every module gives it (`this.transactions`).
     */
    function isTransactionRunner(object) {
      if (types?.program && types.esTreeNodeToTSNodeMap) {
        const type = types.getTypeAtLocation(object);
        return (type.getSymbol() ?? type.aliasSymbol)?.getName() === 'TransactionRunner';
      }
      const name = object.type === 'MemberExpression' ? object.property : object;
      return name.type === 'Identifier' && name.name === 'transactions';
    }

    /** The initializer of the `const` an identifier names, or null (a parameter, a `let`, an import). */
    function constInitializer(identifier) {
      for (let scope = sourceCode.getScope(identifier); scope; scope = scope.upper) {
        const variable = scope.set.get(identifier.name);
        if (!variable) continue;
        const [def] = variable.defs;
        const isConst = variable.defs.length === 1 && def.type === 'Variable' && def.parent.kind === 'const' && def.node.id.type === 'Identifier';
        return isConst ? def.node.init : null;
      }
      return null;
    }

    /**
     * The text a string expression always has: literals, templates and `+` chains joined, `const`
     * names followed to their value. Whatever cannot be known at lint time (a parameter, a call,
     * another module's SQL fragment, checked where that module writes it) is DYNAMIC.
     */
    function staticText(node, depth = 0) {
      if (!node || depth > 10) return DYNAMIC;
      if (TYPE_WRAPPERS.has(node.type)) return staticText(node.expression, depth + 1);
      switch (node.type) {
        case 'Literal':
          return typeof node.value === 'string' || typeof node.value === 'number' ? String(node.value) : DYNAMIC;
        case 'TemplateLiteral':
          return node.quasis.map((quasi, i) => (quasi.value.cooked ?? quasi.value.raw) + (i < node.expressions.length ? staticText(node.expressions[i], depth + 1) : '')).join('');
        case 'BinaryExpression':
          return node.operator === '+' ? staticText(node.left, depth + 1) + staticText(node.right, depth + 1) : DYNAMIC;
        case 'Identifier':
          return staticText(constInitializer(node), depth + 1);
        default:
          return DYNAMIC;
      }
    }

    /** The whole text of an expression when the lint can know all of it, else null. */
    function knownText(node) {
      const text = staticText(node);
      return text.includes(DYNAMIC) ? null : text;
    }

    /* --- Imports: only another module's public files; never a root file ---------------------- */

    /** Where a relative import lands, or null for a package or a file outside src/. */
    function importTarget(source) {
      if (typeof source !== 'string' || !source.startsWith('.')) return null;
      return locate(resolveImport(context.filename, source), root);
    }

    // Another module's internal file (entity, repository, listener, index.ts…) or a file at the src/
    // root (a barrel named like a module, or the composition root) would bypass what the owner shows.
    function checkSource(node, source) {
      // The composition root (main.ts, app.module.ts, app.setup.ts) wires every module together.
      if (where.module === null) return;
      const target = importTarget(source);
      if (!target || target.module === where.module) return;
      if (target.module === null) context.report({ node, messageId: 'rootImport', data: { source } });
      else if (!isPublic(target)) context.report({ node, messageId: 'internalImport', data: { source, target: target.module } });
    }

    /* --- Re-exports: a public file must not hand out its module's internals -------------------- */

    /**
     * What a public file would leak by passing on `name` from its module's internal file `target`:
     * all of it (`export *`), an entity (even as a type), or a class (entity, repository, listener).
     * Plain types and helpers of an internal file may be passed on (ARCHITECTURE.md: "plain types
     * exported by the owner's service").
     */
    function leak(target, name, typeOnly) {
      if (name === WHOLE) return 'all of it (export *)';
      if (ENTITY_FILE.test(target.inside)) return `its entity '${name}'`;
      if (!typeOnly && CLASS_NAME.test(name)) return `its class '${name}' (entity, repository, listener)`;
      return null;
    }

    /** The module's own internal file a public file names, or null. */
    function ownInternalFile(source) {
      if (!inPublicFile) return null;
      const target = importTarget(source);
      return target && target.module === where.module && !isPublic(target) ? target : null;
    }

    /** Names a public file imported from its module's internal files, to catch `import { X } …; export { X };`. */
    const internalImports = new Map();

    function rememberInternalImports(node) {
      const target = ownInternalFile(node.source.value);
      if (!target) return;
      for (const specifier of node.specifiers) {
        if (specifier.type === 'ImportNamespaceSpecifier') continue;
        const typeOnly = node.importKind === 'type' || specifier.importKind === 'type';
        internalImports.set(specifier.local.name, { source: node.source.value, target, typeOnly });
      }
    }

    function checkReexport(node) {
      const typeOnly = node.exportKind === 'type';
      if (node.source) {
        const target = ownInternalFile(node.source.value);
        if (!target) return;
        const names = node.type === 'ExportAllDeclaration' ? [{ node, name: WHOLE, typeOnly }] : node.specifiers.map((s) => ({ node: s, name: s.local.name ?? s.local.value, typeOnly: typeOnly || s.exportKind === 'type' }));
        for (const each of names) {
          const what = leak(target, each.name, each.typeOnly);
          if (what) context.report({ node: each.node, messageId: 'leakedExport', data: { source: node.source.value, what } });
        }
        return;
      }
      for (const specifier of node.specifiers ?? []) {
        const imported = specifier.local.type === 'Identifier' ? internalImports.get(specifier.local.name) : undefined;
        const what = imported && leak(imported.target, specifier.local.name, imported.typeOnly || typeOnly || specifier.exportKind === 'type');
        if (what) context.report({ node: specifier, messageId: 'leakedExport', data: { source: imported.source, what } });
      }
    }

    /* --- Database packages: only repositories and query services open them --------------------- */

    // A DataSource, an EntityManager or a pg Client outside a repository is a statement outside the
    // owner's files. Types cannot run a statement, so type-only imports pass.
    function checkDatabaseNames(source, names) {
      const pkg = databasePackage(source);
      if (dataAccessAllowed || !pkg) return;
      for (const { node, name, typeOnly } of names) {
        if (typeOnly) continue;
        if (name === WHOLE) context.report({ node, messageId: 'dataAccess', data: { what: `'${pkg.name}' as a whole` } });
        else if (!pkg.doors || pkg.doors.has(name)) context.report({ node, messageId: 'dataAccess', data: { what: name } });
      }
    }

    function importedNames(node) {
      const typeOnly = node.importKind === 'type';
      return node.specifiers.map((specifier) => {
        if (specifier.type !== 'ImportSpecifier') return { node: specifier, name: WHOLE, typeOnly };
        const name = specifier.imported.type === 'Identifier' ? specifier.imported.name : String(specifier.imported.value);
        return { node: specifier, name, typeOnly: typeOnly || specifier.importKind === 'type' };
      });
    }

    function exportedNames(node) {
      const typeOnly = node.exportKind === 'type';
      if (node.type === 'ExportAllDeclaration') return [{ node, name: WHOLE, typeOnly }];
      return node.specifiers.map((s) => ({ node: s, name: s.local.name ?? String(s.local.value), typeOnly: typeOnly || s.exportKind === 'type' }));
    }

    /** What `require(x)` or `import(x)` takes: the destructured names, or the whole package. */
    function loadedNames(call) {
      let parent = call.parent;
      if (parent.type === 'AwaitExpression') parent = parent.parent;
      if (parent.type === 'VariableDeclarator' && parent.init && parent.id.type === 'ObjectPattern') {
        return parent.id.properties.map((property) => ({ node: property, name: property.type === 'Property' ? propertyKeyName(property) ?? WHOLE : WHOLE, typeOnly: false }));
      }
      return [{ node: call, name: WHOLE, typeOnly: false }];
    }

    /* --- SQL: only the owner's files name its tables ------------------------------------------- */

    function tablesInTablePositions(text) {
      const names = [];
      for (const [, list] of text.matchAll(TABLE_LIST)) {
        for (const item of list.split(',')) names.push(item.trim().split(/\s+/)[0]);
      }
      return names.map(tableName).filter(Boolean);
    }

    /** A known table a name spells (`users`, `"users"`, `public.users`), or null. */
    function tableName(name) {
      const plain = String(name).replace(/"/g, '').replace(/^public\./i, '').toLowerCase();
      return Object.hasOwn(TABLE_OWNERS, plain) ? plain : null;
    }

    function tablesNamedInSql(text) {
      if (SQL_KEYWORDS.test(text)) return Array.from(text.matchAll(TABLE_NAME), (match) => match[1].toLowerCase());
      if (SQL_SHAPE.test(text)) return tablesInTablePositions(text);
      return [];
    }

    function reportForeignTables(node, tables) {
      for (const table of new Set(tables)) {
        const owner = TABLE_OWNERS[table];
        if (owner !== where.module) context.report({ node, messageId: 'foreignTable', data: { table, owner } });
      }
    }

    // A string is read whole: `'SELECT … FROM ' + 'users'` and `SELECT … FROM ${'users'}` name the
    // table as surely as one literal does. Only the outermost piece of a chain is read, once.
    function checkSqlString(node) {
      if (isPartOfLargerString(node)) return;
      reportForeignTables(node, tablesNamedInSql(staticText(node)));
    }

    // The query builder's and EntityManager's table arguments are SQL too: `.from('users', 'u')`.
    function checkTableArgument(call) {
      const callee = call.callee;
      if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return;
      const method = callee.property.name;
      const takesTable = TABLE_ARGUMENT_METHODS.has(method) || (method === 'createQueryBuilder' && call.arguments.length >= 2);
      if (!takesTable || call.arguments.length === 0) return;
      const text = knownText(call.arguments[0]);
      const table = text === null ? null : tableName(text.trim());
      if (table) reportForeignTables(call.arguments[0], [table]);
    }

    /* --- The transaction's manager: repositories only ------------------------------------------ */

    // `runner.manager`, `runner['manager']`, `const { manager } = runner`: every way to take it.
    function reportRunnerDoor(node, name) {
      context.report({ node, messageId: 'dataAccess', data: { what: `TransactionRunner.${name}` } });
    }

    function memberName(node) {
      if (!node.computed) return node.property.type === 'Identifier' ? node.property.name : null;
      return knownText(node.property);
    }

    /** The value an object pattern takes apart, when it is written there (`const {…} = x`, `({…} = x)`). */
    function destructuredValue(pattern) {
      const parent = pattern.parent;
      if (parent.type === 'VariableDeclarator' && parent.id === pattern) return parent.init;
      if (parent.type === 'AssignmentExpression' && parent.left === pattern) return parent.right;
      if (parent.type === 'AssignmentPattern' && parent.left === pattern) return parent.right;
      return null;
    }

    function checkDestructuredRunner(pattern) {
      if (dataAccessAllowed) return;
      const value = destructuredValue(pattern);
      // A parameter's pattern (`({ manager }: TransactionRunner) => …`) is known by its type only.
      const runner = value ?? (types?.program ? pattern : null);
      if (!runner || !isTransactionRunner(runner)) return;
      for (const property of pattern.properties) {
        if (property.type !== 'Property') continue;
        const name = property.computed ? knownText(property.key) : propertyKeyName(property);
        if (name && RUNNER_DOORS.has(name)) reportRunnerDoor(property, name);
      }
    }

    return {
      ImportDeclaration(node) {
        checkSource(node.source, node.source.value);
        rememberInternalImports(node);
        checkDatabaseNames(node.source.value, importedNames(node));
      },
      ExportNamedDeclaration(node) {
        if (node.source) {
          checkSource(node.source, node.source.value);
          checkDatabaseNames(node.source.value, exportedNames(node));
        }
        checkReexport(node);
      },
      ExportAllDeclaration(node) {
        checkSource(node.source, node.source.value);
        checkDatabaseNames(node.source.value, exportedNames(node));
        checkReexport(node);
      },
      // import('../points/points.module'), with a string known at lint time.
      ImportExpression(node) {
        const source = knownText(node.source);
        checkSource(node.source, source);
        checkDatabaseNames(source, loadedNames(node));
      },
      // import('../points/entities/point-lot.entity').PointLot, as a type.
      TSImportType(node) {
        const literal = node.source ?? node.argument?.literal;
        if (literal?.type === 'Literal') checkSource(literal, literal.value);
      },
      // import x = require('../users/user.entity');
      TSImportEqualsDeclaration(node) {
        const reference = node.moduleReference;
        if (reference.type !== 'TSExternalModuleReference' || reference.expression.type !== 'Literal') return;
        checkSource(reference.expression, reference.expression.value);
        if (node.importKind !== 'type') checkDatabaseNames(reference.expression.value, [{ node, name: WHOLE, typeOnly: false }]);
      },
      CallExpression(node) {
        // require('../users/user.entity'), require('pg')
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length === 1) {
          const source = knownText(node.arguments[0]);
          checkSource(node.arguments[0], source);
          checkDatabaseNames(source, loadedNames(node));
        }
        checkTableArgument(node);
      },
      Literal(node) {
        if (typeof node.value === 'string') checkSqlString(node);
      },
      TemplateLiteral(node) {
        checkSqlString(node);
      },
      'BinaryExpression[operator="+"]'(node) {
        checkSqlString(node);
      },
      MemberExpression(node) {
        if (dataAccessAllowed) return;
        const name = memberName(node);
        if (name && RUNNER_DOORS.has(name) && isTransactionRunner(node.object)) reportRunnerDoor(node, name);
      },
      ObjectPattern: checkDestructuredRunner,
    };
  },
};
