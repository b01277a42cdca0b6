// @ts-check
const path = require('node:path');
const { TABLE_OWNERS, SHARED, PUBLIC_FILE, PUBLIC_EXTRAS, DATA_ACCESS_FILE } = require('./modules.cjs');

/** SQL keywords (upper case, as the code writes SQL) that make a string worth reading for table names. */
const SQL_TEXT = /\b(?:SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|TRUNCATE|LOCK TABLE)\b/;
const TABLE_NAME = new RegExp(`\\b(${Object.keys(TABLE_OWNERS).join('|')})\\b`, 'g');
/** TypeORM's doors to the database: only repositories and query services hold them. */
const DATA_ACCESS_IMPORTS = new Set(['DataSource', 'EntityManager', 'Repository', 'QueryRunner', 'SelectQueryBuilder', 'InjectDataSource', 'InjectRepository', 'InjectEntityManager']);
/** What a TransactionRunner hands out to repositories only. */
const RUNNER_DOORS = new Set(['manager', 'repository']);

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

function isPublic(target) {
  if (SHARED.includes(target.module)) return true;
  if (PUBLIC_FILE.test(`/${target.inside}`)) return true;
  return (PUBLIC_EXTRAS[target.module] ?? []).includes(target.inside);
}

function isInfrastructure(where) {
  return where.module === 'database' || (where.module === 'dev' && where.inside.startsWith('stripe-emulator/'));
}

/** @type {import('eslint').Rule.RuleModule} */
module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'One owner per table: modules import only what another module shows, and name only their own tables in SQL.' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: {
      internalImport: "'{{source}}' is internal to the {{target}} module: use what it exports (its module, services, query services, errors, DTOs).",
      foreignTable: "SQL names '{{table}}', a table of the {{owner}} module: read it through that module's query service or SQL fragment.",
      dataAccess: '{{what}} belongs in a repository or query service (a *.repository.ts or *.queries.ts file of the table\'s owner).',
    },
  },
  create(context) {
    const root = context.options[0]?.root ?? context.cwd;
    const where = locate(context.filename, root);
    if (!where) return {};
    const dataAccessAllowed = DATA_ACCESS_FILE.test(where.inside) || isInfrastructure(where);

    const types = context.sourceCode.parserServices;
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

    function checkSource(node, source) {
      // The composition root (main.ts, app.module.ts, app.setup.ts) wires every module together.
      if (where.module === null || typeof source !== 'string' || !source.startsWith('.')) return;
      const resolved = path.resolve(path.dirname(context.filename), source);
      const target = locate(/\.[cm]?[jt]s$/.test(resolved) ? resolved : `${resolved}.ts`, root);
      if (!target || target.module === null || target.module === where.module) return;
      if (!isPublic(target)) context.report({ node, messageId: 'internalImport', data: { source, target: target.module } });
    }

    function checkSql(node, text) {
      if (!SQL_TEXT.test(text)) return;
      for (const table of new Set(Array.from(text.matchAll(TABLE_NAME), (match) => match[1]))) {
        const owner = TABLE_OWNERS[table];
        if (owner !== where.module) context.report({ node, messageId: 'foreignTable', data: { table, owner } });
      }
    }

    return {
      ImportDeclaration(node) {
        checkSource(node.source, node.source.value);
        if (!dataAccessAllowed && /^(?:typeorm|@nestjs\/typeorm)$/.test(String(node.source.value)) && node.importKind !== 'type') {
          for (const specifier of node.specifiers) {
            if (specifier.type === 'ImportSpecifier' && specifier.importKind !== 'type') {
              const name = specifier.imported.type === 'Identifier' ? specifier.imported.name : String(specifier.imported.value);
              if (DATA_ACCESS_IMPORTS.has(name)) context.report({ node: specifier, messageId: 'dataAccess', data: { what: name } });
            }
          }
        }
      },
      ExportNamedDeclaration(node) {
        if (node.source) checkSource(node.source, node.source.value);
      },
      ExportAllDeclaration(node) {
        checkSource(node.source, node.source.value);
      },
      ImportExpression(node) {
        if (node.source.type === 'Literal') checkSource(node.source, node.source.value);
      },
      Literal(node) {
        if (typeof node.value === 'string') checkSql(node, node.value);
      },
      TemplateLiteral(node) {
        checkSql(node, node.quasis.map((quasi) => quasi.value.cooked ?? quasi.value.raw).join(' '));
      },
      MemberExpression(node) {
        if (dataAccessAllowed || node.computed || node.property.type !== 'Identifier' || !RUNNER_DOORS.has(node.property.name)) return;
        if (isTransactionRunner(node.object)) {
          context.report({ node, messageId: 'dataAccess', data: { what: `TransactionRunner.${node.property.name}` } });
        }
      },
    };
  },
};
